// The Android shell of xuncha. All product logic is in the Rust core (../core), reached through
// the uniffi bindings; see README.md for building the native library and generated bindings.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "xuncha-android"
include(":app")
// Plain Kotlin/JVM: formatting and key-encoding helpers with no android.*, tested on the
// desktop JVM (shared/test.sh) as well as by Gradle.
include(":shared")
