package cn.xuncha.app.ui

import android.Manifest
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Button
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.ListItem
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.unit.dp
import cn.xuncha.app.core
import cn.xuncha.app.device.LocationSource
import cn.xuncha.app.logic.Labels
import cn.xuncha.app.logic.LocationText
import cn.xuncha.app.logic.Units
import cn.xuncha.app.sync.SyncScheduler
import cn.xuncha.core.ffi.types.Jurisdiction
import cn.xuncha.core.ffi.types.Level
import cn.xuncha.core.ffi.types.PatrolLog
import cn.xuncha.core.ffi.types.PatrolPoint
import cn.xuncha.core.ffi.types.PatrolResult
import cn.xuncha.core.ffi.types.PatrolSummary
import kotlinx.coroutines.launch

/** 巡查: this officer's patrols, and starting one in a grid. */
@Composable
fun PatrolsScreen(onOpen: (String) -> Unit) {
    val core = LocalContext.current.core
    val scope = rememberCoroutineScope()
    var rows by remember { mutableStateOf<List<PatrolSummary>>(emptyList()) }
    var grids by remember { mutableStateOf<List<Jurisdiction>>(emptyList()) }
    var grid by remember { mutableStateOf<Jurisdiction?>(null) }
    var error by remember { mutableStateOf<String?>(null) }
    LaunchedEffect(Unit) {
        val root = core.jurisdictionRoot ?: return@LaunchedEffect
        core.io { core.listPatrols(root) to jurisdictionSubtree(root).filter { it.level == Level.GRID } }
            .onSuccess { (p, g) -> rows = p; grids = g; grid = g.firstOrNull() }
            .onFailure { error = it.userMessage() }
    }
    Column(Modifier.padding(12.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        Text("巡查记录", style = MaterialTheme.typography.titleLarge)
        OptionPicker("网格", grids, grid, { it.name }) { grid = it }
        Button(enabled = grid != null, onClick = {
            val g = grid ?: return@Button
            scope.launch { core.io { startPatrol(g.id) }.onSuccess(onOpen).onFailure { error = it.userMessage() } }
        }) { Text("开始巡查") }
        ErrorLine(error)
        LazyColumn {
            items(rows, key = { it.id }) { row ->
                ListItem(
                    headlineContent = { Text("${Units.dateTime(row.startedAtMs)} · ${Labels.patrolResult(row.result?.name)}") },
                    supportingContent = { Text("${row.gridId} · 定位点 ${row.points} 个") },
                    modifier = Modifier.clickable { onOpen(row.id) },
                )
                HorizontalDivider()
            }
        }
    }
}

/** One patrol: record GPS points along the route, then the result ("nothing found" counts). */
@Composable
fun PatrolScreen(patrolId: String) {
    val context = LocalContext.current
    val core = context.core
    val scope = rememberCoroutineScope()
    val location = remember { LocationSource(context) }
    var patrol by remember { mutableStateOf<PatrolLog?>(null) }
    var result by remember { mutableStateOf(PatrolResult.NOTHING_FOUND) }
    var note by remember { mutableStateOf("") }
    var status by remember { mutableStateOf<String?>(null) }
    var error by remember { mutableStateOf<String?>(null) }

    suspend fun reload() {
        core.io { patrol(patrolId) }.onSuccess { patrol = it }.onFailure { error = it.userMessage() }
    }
    val permission = rememberLauncherForActivityResult(ActivityResultContracts.RequestMultiplePermissions()) {}
    LaunchedEffect(patrolId) {
        reload()
        permission.launch(arrayOf(Manifest.permission.ACCESS_FINE_LOCATION, Manifest.permission.ACCESS_COARSE_LOCATION))
    }

    val p = patrol
    if (p == null) {
        Loading()
        return
    }
    Column(Modifier.padding(12.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        Text("巡查 · ${Units.dateTime(p.startedAtMs)}", style = MaterialTheme.typography.titleLarge)
        Text("定位点 ${p.points.size} 个 · ${Labels.patrolResult(p.result?.name)}")
        status?.let { Text(it) }
        ErrorLine(error)
        if (p.endedAtMs == null) {
            OutlinedButton(onClick = {
                scope.launch {
                    val fix = location.currentFix()
                    if (fix == null) {
                        error = "未取得定位，请到开阔处再试"
                        return@launch
                    }
                    status = LocationText.line(fix.accuracyM, 50.0, fix.mock).text
                    core.io { addPatrolPoint(patrolId, PatrolPoint(fix.lat, fix.lon, fix.accuracyM, fix.fixTimeMs)) }
                        .onSuccess { error = null }.onFailure { error = it.userMessage() }
                    reload()
                }
            }) { Text("记录当前位置") }
            Choice(PatrolResult.entries, result, { Labels.patrolResult(it.name) }) { result = it }
            OutlinedTextField(note, { note = it }, label = { Text("情况说明") }, modifier = Modifier.fillMaxWidth())
            Button(onClick = {
                scope.launch {
                    core.io { finishPatrol(patrolId, result, note) }
                        .onSuccess { error = null; SyncScheduler.syncNow(context) }
                        .onFailure { error = it.userMessage() }
                    reload()
                }
            }) { Text("结束巡查") }
        } else {
            Text("说明：${p.note.ifBlank { "无" }}")
        }
    }
}
