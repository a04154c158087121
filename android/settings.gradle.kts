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
        // The Kotlin half of the Rust crate rustls-platform-verifier (the core's HTTPS checks
        // server certificates with Android's trust store through it); published only here.
        maven {
            url = uri("https://github.com/rustls/rustls-platform-verifier/raw/maven-archive/android-release-support/maven/")
            content { includeGroup("org.rustls") }
        }
    }
}

rootProject.name = "xuncha-android"
include(":app")
// Plain Kotlin/JVM: formatting and key-encoding helpers with no android.*, tested on the
// desktop JVM (shared/test.sh) as well as by Gradle.
include(":shared")
