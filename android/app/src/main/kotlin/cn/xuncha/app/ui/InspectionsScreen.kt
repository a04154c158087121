package cn.xuncha.app.ui

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Add
import androidx.compose.material3.Button
import androidx.compose.material3.ExtendedFloatingActionButton
import androidx.compose.material3.FilterChip
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.Icon
import androidx.compose.material3.ListItem
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Scaffold
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
import cn.xuncha.app.logic.Labels
import cn.xuncha.app.logic.Units
import cn.xuncha.core.Inspections
import cn.xuncha.core.ffi.types.Approach
import cn.xuncha.core.ffi.types.ChecklistTemplate
import cn.xuncha.core.ffi.types.InspectionFilter
import cn.xuncha.core.ffi.types.InspectionSummary
import cn.xuncha.core.ffi.types.Jurisdiction
import cn.xuncha.core.ffi.types.Mode
import cn.xuncha.core.ffi.types.Place
import cn.xuncha.core.ffi.types.Shift
import kotlinx.coroutines.launch

/** 我的检查: the inspections on this phone, newest first. */
@Composable
fun InspectionsScreen(onOpen: (String) -> Unit, onStart: () -> Unit) {
    val core = LocalContext.current.core
    var rows by remember { mutableStateOf<List<InspectionSummary>?>(null) }
    var error by remember { mutableStateOf<String?>(null) }
    LaunchedEffect(Unit) {
        core.io { listInspections(InspectionFilter(), 100u, 0u) }
            .onSuccess { rows = it }
            .onFailure { error = it.userMessage() }
    }
    Scaffold(
        topBar = { Text("我的检查", style = MaterialTheme.typography.titleLarge, modifier = Modifier.padding(16.dp)) },
        floatingActionButton = {
            ExtendedFloatingActionButton(
                onClick = onStart,
                icon = { Icon(Icons.Filled.Add, contentDescription = null) },
                text = { Text("开始检查") },
            )
        },
    ) { padding ->
        Column(Modifier.padding(padding).fillMaxSize()) {
            ErrorLine(error)
            val list = rows
            if (list == null) {
                Loading()
                return@Column
            }
            if (list.isEmpty()) Text("还没有检查记录", modifier = Modifier.padding(16.dp))
            LazyColumn {
                items(list, key = { it.id }) { row ->
                    ListItem(
                        headlineContent = {
                            Text("${Labels.shift(row.shift.name)} · ${Labels.mode(row.mode.name)} · ${Units.dateTime(row.startedAtMs)}")
                        },
                        supportingContent = {
                            Text(
                                "已答 ${row.answered} 项 · 发现问题 ${row.violations} 项 · ${Labels.conclusion(row.conclusion?.name)}" +
                                    if (row.hasConflicts) " · 有待确认的冲突" else "",
                            )
                        },
                        overlineContent = { Text(row.departments.joinToString("、")) },
                        modifier = Modifier.clickable { onOpen(row.id) },
                    )
                    HorizontalDivider()
                }
            }
        }
    }
}

/** 开始检查: template, jurisdiction, optional place, and the kind of check. */
@Composable
fun StartInspectionScreen(onStarted: (String) -> Unit) {
    val core = LocalContext.current.core
    val scope = rememberCoroutineScope()
    var templates by remember { mutableStateOf<List<ChecklistTemplate>>(emptyList()) }
    var nodes by remember { mutableStateOf<List<Jurisdiction>>(emptyList()) }
    var places by remember { mutableStateOf<List<Place>>(emptyList()) }
    var template by remember { mutableStateOf<ChecklistTemplate?>(null) }
    var node by remember { mutableStateOf<Jurisdiction?>(null) }
    var place by remember { mutableStateOf<Place?>(null) }
    var shift by remember { mutableStateOf(Shift.DAY) }
    var mode by remember { mutableStateOf(Mode.JOINT) }
    var approach by remember { mutableStateOf(Approach.OPEN) }
    var error by remember { mutableStateOf<String?>(null) }

    LaunchedEffect(Unit) {
        core.io { core.templates() to (core.jurisdictionRoot?.let { jurisdictionSubtree(it) } ?: emptyList()) }
            .onSuccess { (t, j) ->
                templates = t; nodes = j
                template = t.firstOrNull()
            }
            .onFailure { error = it.userMessage() }
    }
    LaunchedEffect(node) {
        place = null
        places = node?.let { n -> core.io { listPlaces(n.id) }.getOrDefault(emptyList()) } ?: emptyList()
    }

    Column(Modifier.padding(16.dp).verticalScroll(rememberScrollState()), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        Text("开始检查", style = MaterialTheme.typography.titleLarge)
        OptionPicker("检查清单", templates, template, { "${it.title}（第 ${it.version} 版）" }) { template = it }
        OptionPicker("属地", nodes, node, { it.name }) { node = it }
        OptionPicker("场所（可选）", places, place, { "${it.name} · ${it.address}" }) { place = it }
        Choice(Shift.entries, shift, { Labels.shift(it.name) }) { shift = it }
        Choice(Mode.entries, mode, { Labels.mode(it.name) }) { mode = it }
        Choice(Approach.entries, approach, { Labels.approach(it.name) }) { approach = it }
        Button(enabled = template != null && node != null, onClick = {
            val t = template ?: return@Button
            val n = node ?: return@Button
            scope.launch {
                core.io { Inspections(this).start(t, n.id, shift, mode, approach, placeId = place?.id) }
                    .onSuccess(onStarted)
                    .onFailure { error = it.userMessage() }
            }
        }) { Text("开始") }
        ErrorLine(error)
    }
}

@Composable
fun <T> Choice(options: List<T>, selected: T, text: (T) -> String, onSelect: (T) -> Unit) {
    Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
        for (option in options) {
            FilterChip(selected = option == selected, onClick = { onSelect(option) }, label = { Text(text(option)) })
        }
    }
}
