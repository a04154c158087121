package cn.xuncha.app.ui

import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.DropdownMenu
import androidx.compose.material3.DropdownMenuItem
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import cn.xuncha.core.ffi.ApiException

/**
 * Core's Chinese message with its code (what was wrong, record ids only). Anything else is the
 * platform's English: the officer gets a Chinese line, the log keeps the detail.
 */
fun Throwable.userMessage(): String =
    if (this is ApiException) {
        message?.takeIf { it.isNotBlank() } ?: "操作失败，请重试"
    } else {
        android.util.Log.w("xuncha", "unexpected error", this)
        "操作失败，请重试；如反复出现请联系管理员"
    }

@Composable
fun ErrorLine(message: String?) {
    if (message != null) {
        Text(message, color = MaterialTheme.colorScheme.error, modifier = Modifier.padding(8.dp))
    }
}

@Composable
fun Loading() = Box(Modifier.fillMaxSize(), contentAlignment = Alignment.Center) { CircularProgressIndicator() }

/** A button showing the chosen option; tapping it lists the others (stable Material 3 only). */
@Composable
fun <T> OptionPicker(label: String, options: List<T>, selected: T?, text: (T) -> String, onSelect: (T) -> Unit) {
    var open by remember { mutableStateOf(false) }
    Box {
        OutlinedButton(onClick = { open = true }, enabled = options.isNotEmpty()) {
            Text("$label：${selected?.let(text) ?: "请选择"}")
        }
        DropdownMenu(expanded = open, onDismissRequest = { open = false }) {
            for (option in options) {
                DropdownMenuItem(text = { Text(text(option)) }, onClick = { open = false; onSelect(option) })
            }
        }
    }
}
