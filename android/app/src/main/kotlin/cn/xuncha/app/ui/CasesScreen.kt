package cn.xuncha.app.ui

import androidx.compose.foundation.horizontalScroll
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.rememberScrollState
import androidx.compose.material3.FilterChip
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.ListItem
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.unit.dp
import cn.xuncha.app.core
import cn.xuncha.app.logic.Labels
import cn.xuncha.app.logic.Units
import cn.xuncha.core.ffi.types.CaseState
import cn.xuncha.core.ffi.types.CaseSummary

/** 案件: leads and cases of this officer's jurisdiction, by state of the closed loop. */
@Composable
fun CasesScreen() {
    val core = LocalContext.current.core
    var state by remember { mutableStateOf<CaseState?>(null) }
    var rows by remember { mutableStateOf<List<CaseSummary>>(emptyList()) }
    var error by remember { mutableStateOf<String?>(null) }
    LaunchedEffect(state) {
        val root = core.jurisdictionRoot ?: return@LaunchedEffect
        core.io { listCases(root, state) }.onSuccess { rows = it; error = null }.onFailure { error = it.userMessage() }
    }
    Column(Modifier.padding(12.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        Text("案件", style = MaterialTheme.typography.titleLarge)
        Row(Modifier.horizontalScroll(rememberScrollState()), horizontalArrangement = Arrangement.spacedBy(6.dp)) {
            FilterChip(selected = state == null, onClick = { state = null }, label = { Text("全部") })
            for (s in CaseState.entries) {
                FilterChip(selected = state == s, onClick = { state = s }, label = { Text(Labels.caseState(s.name)) })
            }
        }
        ErrorLine(error)
        if (rows.isEmpty()) Text("没有案件")
        LazyColumn {
            items(rows, key = { it.id }) { c ->
                ListItem(
                    overlineContent = { Text("${Labels.caseSource(c.source.name)} · ${Labels.caseState(c.state.name)}") },
                    headlineContent = { Text(c.summary) },
                    supportingContent = {
                        Text(
                            listOfNotNull(
                                c.department,
                                c.deadlineMs?.let { "期限 ${Units.dateTime(it)}" },
                                if (c.hasConflicts) "有待确认的冲突" else null,
                            ).joinToString(" · "),
                        )
                    },
                )
                HorizontalDivider()
            }
        }
    }
}
