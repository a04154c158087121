package cn.xuncha.app.ui

import androidx.compose.foundation.layout.padding
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.automirrored.filled.List
import androidx.compose.material.icons.filled.Home
import androidx.compose.material.icons.filled.Place
import androidx.compose.material.icons.filled.Refresh
import androidx.compose.material3.Icon
import androidx.compose.material3.NavigationBar
import androidx.compose.material3.NavigationBarItem
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.vector.ImageVector
import androidx.compose.ui.platform.LocalContext
import androidx.navigation.NavGraph.Companion.findStartDestination
import androidx.navigation.compose.NavHost
import androidx.navigation.compose.composable
import androidx.navigation.compose.currentBackStackEntryAsState
import androidx.navigation.compose.rememberNavController
import cn.xuncha.app.core

private data class Tab(val route: String, val label: String, val icon: ImageVector)

private val tabs = listOf(
    Tab("inspections", "检查", Icons.Filled.Home),
    Tab("patrols", "巡查", Icons.Filled.Place),
    Tab("cases", "案件", Icons.AutoMirrored.Filled.List),
    Tab("sync", "同步", Icons.Filled.Refresh),
)

/** Sign-in first (an officer must be on every edit), then the four tabs. */
@Composable
fun XunchaRoot() {
    val core = LocalContext.current.core
    var signedIn by remember { mutableStateOf<Boolean?>(null) }
    var error by remember { mutableStateOf<String?>(null) }
    LaunchedEffect(Unit) {
        core.io { identity().officer != null }
            .onSuccess { signedIn = it }
            .onFailure { error = it.userMessage() }
    }
    when {
        error != null -> ErrorLine("无法打开本机数据：$error")
        signedIn == null -> Loading()
        signedIn == false -> SignInScreen(onSignedIn = { signedIn = true })
        else -> MainTabs()
    }
}

@Composable
private fun MainTabs() {
    val nav = rememberNavController()
    val current by nav.currentBackStackEntryAsState()
    Scaffold(
        bottomBar = {
            NavigationBar {
                for (tab in tabs) {
                    NavigationBarItem(
                        selected = current?.destination?.route == tab.route,
                        onClick = {
                            nav.navigate(tab.route) {
                                popUpTo(nav.graph.findStartDestination().id) { saveState = true }
                                launchSingleTop = true
                                restoreState = true
                            }
                        },
                        icon = { Icon(tab.icon, contentDescription = null) },
                        label = { Text(tab.label) },
                    )
                }
            }
        },
    ) { padding ->
        NavHost(nav, startDestination = "inspections", modifier = Modifier.padding(padding)) {
            composable("inspections") {
                InspectionsScreen(onOpen = { nav.navigate("inspection/$it") }, onStart = { nav.navigate("start") })
            }
            composable("start") {
                StartInspectionScreen(onStarted = { id ->
                    nav.navigate("inspection/$id") { popUpTo("inspections") }
                })
            }
            composable("inspection/{id}") { entry ->
                ChecklistScreen(inspectionId = entry.arguments?.getString("id").orEmpty())
            }
            composable("patrols") { PatrolsScreen(onOpen = { nav.navigate("patrol/$it") }) }
            composable("patrol/{id}") { entry -> PatrolScreen(patrolId = entry.arguments?.getString("id").orEmpty()) }
            composable("cases") { CasesScreen() }
            composable("sync") { SyncScreen() }
        }
    }
}
