package cn.xuncha.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.unit.dp
import cn.xuncha.app.core
import cn.xuncha.core.ffi.types.Officer
import kotlinx.coroutines.launch

/**
 * Enrol this phone with the one-time code from the administrator (the usual way: the server
 * then knows the device key and the officer), or sign in by hand to work offline first.
 */
@Composable
fun SignInScreen(onSignedIn: () -> Unit) {
    val core = LocalContext.current.core
    val scope = rememberCoroutineScope()
    var name by remember { mutableStateOf("") }
    var department by remember { mutableStateOf("") }
    var certNo by remember { mutableStateOf("") }
    var busy by remember { mutableStateOf(false) }
    var error by remember { mutableStateOf<String?>(null) }

    Column(
        Modifier.padding(16.dp).verticalScroll(rememberScrollState()),
        verticalArrangement = Arrangement.spacedBy(8.dp),
    ) {
        EnrollForm(onEnrolled = onSignedIn)

        HorizontalDivider(Modifier.padding(vertical = 8.dp))
        Text("暂不联网，先在本机登录", style = MaterialTheme.typography.titleMedium)
        OutlinedTextField(name, { name = it }, label = { Text("姓名") }, singleLine = true, modifier = Modifier.fillMaxWidth())
        OutlinedTextField(department, { department = it }, label = { Text("单位") }, singleLine = true, modifier = Modifier.fillMaxWidth())
        OutlinedTextField(certNo, { certNo = it }, label = { Text("执法证号（网格员可不填）") }, singleLine = true, modifier = Modifier.fillMaxWidth())
        OutlinedButton(enabled = !busy && name.isNotBlank() && department.isNotBlank(), onClick = {
            busy = true
            scope.launch {
                core.io { signIn(Officer(name = name.trim(), department = department.trim(), certNo = certNo.trim())) }
                    .onSuccess { onSignedIn() }
                    .onFailure { error = it.userMessage() }
                busy = false
            }
        }) { Text("登录") }
        ErrorLine(error)
    }
}

/** Server address and the administrator's one-time code; also on the sync screen. */
@Composable
fun EnrollForm(onEnrolled: () -> Unit) {
    val core = LocalContext.current.core
    val scope = rememberCoroutineScope()
    var server by remember { mutableStateOf("https://") }
    var code by remember { mutableStateOf("") }
    var busy by remember { mutableStateOf(false) }
    var error by remember { mutableStateOf<String?>(null) }
    Column(verticalArrangement = Arrangement.spacedBy(8.dp)) {
        Text("登记本机", style = MaterialTheme.typography.titleLarge)
        OutlinedTextField(server, { server = it }, label = { Text("服务器地址") }, singleLine = true, modifier = Modifier.fillMaxWidth())
        OutlinedTextField(code, { code = it }, label = { Text("登记码") }, singleLine = true, modifier = Modifier.fillMaxWidth())
        Button(enabled = !busy && code.isNotBlank(), onClick = {
            busy = true
            scope.launch {
                core.io { core.enroll(server.trim(), code.trim()) }
                    .onSuccess { error = null; onEnrolled() }
                    .onFailure { error = it.userMessage() }
                busy = false
            }
        }) { Text(if (busy) "正在登记…" else "登记并登录") }
        ErrorLine(error)
    }
}
