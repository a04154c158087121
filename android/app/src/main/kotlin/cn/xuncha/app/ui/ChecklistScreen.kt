package cn.xuncha.app.ui

import android.Manifest
import android.content.pm.PackageManager
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.FilterChip
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import androidx.core.content.ContextCompat
import cn.xuncha.app.core
import cn.xuncha.app.device.LocationSource
import cn.xuncha.app.logic.Labels
import cn.xuncha.app.logic.LocationText
import cn.xuncha.app.sync.SyncScheduler
import cn.xuncha.core.ffi.types.AnswerType
import cn.xuncha.core.ffi.types.AnswerValue
import cn.xuncha.core.ffi.types.ChecklistItem
import cn.xuncha.core.ffi.types.Conclusion
import cn.xuncha.core.ffi.types.GpsFix
import cn.xuncha.core.ffi.types.Inspection
import cn.xuncha.core.ffi.types.ItemAnswer
import kotlinx.coroutines.launch

/**
 * Answering one inspection's checklist: an answer and a note per item, photos as evidence
 * (with the location at capture), findings, and the conclusion. Core checks everything —
 * which items apply, answer types, "a violation needs a note or evidence" — and its refusal
 * is shown as it comes.
 */
@Composable
fun ChecklistScreen(inspectionId: String) {
    val context = LocalContext.current
    val core = context.core
    val scope = rememberCoroutineScope()
    val location = remember { LocationSource(context) }

    var inspection by remember { mutableStateOf<Inspection?>(null) }
    var items by remember { mutableStateOf<List<ChecklistItem>>(emptyList()) }
    var limitM by remember { mutableStateOf(50.0) }
    var fix by remember { mutableStateOf<GpsFix?>(null) }
    var cameraFor by remember { mutableStateOf<String?>(null) } // item id; "" = the inspection as a whole
    var error by remember { mutableStateOf<String?>(null) }
    var finding by remember { mutableStateOf("") }

    fun granted(p: String) = ContextCompat.checkSelfPermission(context, p) == PackageManager.PERMISSION_GRANTED
    suspend fun refreshFix() {
        if (granted(Manifest.permission.ACCESS_FINE_LOCATION)) location.currentFix()?.let { fix = it }
    }
    suspend fun reload() {
        core.io {
            val i = inspection(inspectionId)
            Triple(i, core.applicableItems(inspectionId), template(i.templateId, i.templateVersion).gpsAccuracyLimitM)
        }.onSuccess { (i, its, limit) -> inspection = i; items = its; limitM = limit }
            .onFailure { error = it.userMessage() }
    }
    /** Runs one core call, then shows the merged record (or core's refusal). */
    fun act(call: suspend () -> Result<*>) {
        scope.launch {
            call().onSuccess { error = null }.onFailure { error = it.userMessage() }
            reload()
        }
    }

    val permissions = rememberLauncherForActivityResult(ActivityResultContracts.RequestMultiplePermissions()) {
        scope.launch { refreshFix() }
    }
    LaunchedEffect(inspectionId) {
        reload()
        permissions.launch(
            arrayOf(Manifest.permission.CAMERA, Manifest.permission.ACCESS_FINE_LOCATION, Manifest.permission.ACCESS_COARSE_LOCATION),
        )
    }

    val photoFor = cameraFor
    if (photoFor != null) {
        CameraCapture(
            freshFix = { location.currentFix(timeoutMs = 5_000)?.also { fix = it } ?: fix },
            onPhoto = { jpeg, atCapture ->
                core.io { core.addPhoto(jpeg, inspectionId, photoFor.ifEmpty { null }, atCapture) }.getOrThrow()
                reload()
                cameraFor = null // last: leaving the camera cancels this coroutine
            },
            onClose = { cameraFor = null },
        )
        return
    }

    val current = inspection
    if (current == null) {
        Loading()
        return
    }
    val answers = current.answers.associateBy { it.itemId }
    LazyColumn(Modifier.padding(horizontal = 12.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        item {
            Text("检查清单", style = MaterialTheme.typography.titleLarge, modifier = Modifier.padding(top = 12.dp))
            Text(Labels.answered(answers.keys.count { id -> items.any { it.id == id } }, items.size))
            val line = LocationText.line(fix?.accuracyM, limitM, fix?.mock ?: false)
            Row {
                Text(
                    line.text,
                    color = if (line.warning) MaterialTheme.colorScheme.error else MaterialTheme.colorScheme.onSurface,
                    modifier = Modifier.padding(top = 12.dp),
                )
                TextButton(onClick = { scope.launch { refreshFix() } }) { Text("刷新定位") }
            }
            ErrorLine(error)
        }
        items(items, key = { it.id }) { item ->
            ItemCard(
                item = item,
                answer = answers[item.id],
                photos = current.evidence.count { it.itemId == item.id },
                onAnswer = { value, note -> act { core.io { answerItem(inspectionId, item.id, value, note) } } },
                onPhoto = { cameraFor = item.id },
            )
        }
        item {
            Column(verticalArrangement = Arrangement.spacedBy(8.dp), modifier = Modifier.padding(vertical = 12.dp)) {
                Text("检查发现", style = MaterialTheme.typography.titleMedium)
                for (f in current.findings) Text("· ${f.text}")
                OutlinedTextField(finding, { finding = it }, label = { Text("新的发现") }, modifier = Modifier.fillMaxWidth())
                Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                    OutlinedButton(enabled = finding.isNotBlank(), onClick = {
                        val text = finding.trim()
                        finding = ""
                        act { core.io { addFinding(inspectionId, text) } }
                    }) { Text("添加发现") }
                    OutlinedButton(onClick = { cameraFor = "" }) { Text("现场拍照") }
                }
                Text("结论：${Labels.conclusion(current.conclusion?.name)}", style = MaterialTheme.typography.titleMedium)
                Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                    for (c in Conclusion.entries) {
                        Button(onClick = {
                            act {
                                core.io { concludeInspection(inspectionId, c) }
                                    .onSuccess { SyncScheduler.syncNow(context) }
                            }
                        }) { Text(Labels.conclusion(c.name)) }
                    }
                }
            }
        }
    }
}

@Composable
private fun ItemCard(
    item: ChecklistItem,
    answer: ItemAnswer?,
    photos: Int,
    onAnswer: (AnswerValue, String) -> Unit,
    onPhoto: () -> Unit,
) {
    var note by remember(answer) { mutableStateOf(answer?.note.orEmpty()) }
    var typed by remember(answer) {
        mutableStateOf(
            when (val v = answer?.value) {
                is AnswerValue.Count -> v.v1.toString()
                is AnswerValue.Text -> v.v1
                else -> ""
            },
        )
    }
    Card(Modifier.fillMaxWidth()) {
        Column(Modifier.padding(12.dp), verticalArrangement = Arrangement.spacedBy(6.dp)) {
            Text("${item.id}  ${item.text}")
            when (item.answerType) {
                AnswerType.YES_NO -> Row(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
                    for ((value, key) in listOf(AnswerValue.Yes to "YES", AnswerValue.No to "NO", AnswerValue.NotApplicable to "NOT_APPLICABLE")) {
                        FilterChip(
                            selected = answer?.value == value,
                            onClick = { onAnswer(value, note) },
                            label = { Text(Labels.answer(key)) },
                        )
                    }
                }
                AnswerType.COUNT -> Row(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
                    OutlinedTextField(
                        typed, { typed = it.filter(Char::isDigit) }, label = { Text("数量") },
                        keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Number), singleLine = true,
                    )
                    TextButton(enabled = typed.isNotEmpty(), onClick = {
                        typed.toUIntOrNull()?.let { onAnswer(AnswerValue.Count(it), note) }
                    }) { Text("保存") }
                }
                AnswerType.TEXT -> Row(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
                    OutlinedTextField(typed, { typed = it }, label = { Text("回答") })
                    TextButton(enabled = typed.isNotBlank(), onClick = { onAnswer(AnswerValue.Text(typed), note) }) { Text("保存") }
                }
            }
            OutlinedTextField(note, { note = it }, label = { Text("备注") }, modifier = Modifier.fillMaxWidth())
            Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                OutlinedButton(onClick = onPhoto) { Text("拍照取证") }
                if (photos > 0) Text("已有照片 $photos 张", modifier = Modifier.padding(top = 12.dp))
                if (answer != null && note != answer.note) {
                    TextButton(onClick = { onAnswer(answer.value, note) }) { Text("保存备注") }
                }
            }
        }
    }
}
