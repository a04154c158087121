package cn.xuncha.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.Button
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.unit.dp
import androidx.work.WorkInfo
import cn.xuncha.app.core
import cn.xuncha.app.logic.SyncState
import cn.xuncha.app.logic.SyncSummary
import cn.xuncha.app.logic.SyncText
import cn.xuncha.app.sync.SyncScheduler
import cn.xuncha.app.sync.SyncWorker
import kotlinx.coroutines.delay

/** 同步状态: what is waiting to go up, the last success and error, and a 立即同步 button. */
@Composable
fun SyncScreen() {
    val context = LocalContext.current
    val core = context.core
    val work by remember { SyncScheduler.nowState(context) }.collectAsState(initial = null)
    var summary by remember { mutableStateOf<SyncSummary?>(null) }
    var deviceId by remember { mutableStateOf("") }
    var error by remember { mutableStateOf<String?>(null) }

    // Re-read core's status whenever the on-demand run changes state, and every 30 s.
    LaunchedEffect(work?.state) {
        while (true) {
            core.io { core.syncFacts() to identity().deviceId }
                .onSuccess { (facts, id) -> summary = SyncText.summary(facts, System.currentTimeMillis()); deviceId = id }
                .onFailure { error = it.userMessage() }
            delay(30_000)
        }
    }

    Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        Text("同步状态", style = MaterialTheme.typography.titleLarge)
        summary?.let { s ->
            Text(s.headline, style = MaterialTheme.typography.titleMedium,
                color = if (s.state == SyncState.FAILING) MaterialTheme.colorScheme.error else MaterialTheme.colorScheme.onSurface)
            for (line in s.lines) Text(line)
        }
        when (work?.state) {
            WorkInfo.State.ENQUEUED -> Text("等待网络…")
            WorkInfo.State.RUNNING -> {
                val p = work!!.progress
                val phase = p.getString(SyncWorker.KEY_PHASE)
                val done = p.getLong(SyncWorker.KEY_DONE, 0)
                val total = p.getLong(SyncWorker.KEY_TOTAL, 0)
                if (phase != null) Text(SyncText.progress(phase, done, total))
                if (total > 0) LinearProgressIndicator(progress = { done.toFloat() / total })
                else LinearProgressIndicator()
            }
            WorkInfo.State.FAILED -> work!!.outputData.getString(SyncWorker.KEY_ERROR)?.let { ErrorLine(it) }
            else -> Unit
        }
        if (summary?.state == SyncState.NOT_ENROLLED) {
            EnrollForm(onEnrolled = { SyncScheduler.syncNow(context) })
        }
        Button(
            enabled = summary?.state != SyncState.NOT_ENROLLED && work?.state != WorkInfo.State.RUNNING,
            onClick = { SyncScheduler.syncNow(context) },
        ) { Text("立即同步") }
        ErrorLine(error)
        Text("本机编号 $deviceId", style = MaterialTheme.typography.bodySmall)
    }
}
