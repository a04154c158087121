// The xuncha Android app: Compose screens, CameraX, fused location, WorkManager sync and the
// device key in the Android Keystore, around the Rust core. Before the first build run
// ../../scripts/build-android-libs.sh: it puts the native library (cargo-ndk) under
// src/main/jniLibs and the uniffi-generated Kotlin under src/generated/kotlin (neither is
// committed). The hand-written wrapper (package cn.xuncha.core) is compiled from
// ../../bindings/kotlin, where it is tested on the desktop JVM.
plugins {
    alias(libs.plugins.android.application)
    alias(libs.plugins.kotlin.android)
    alias(libs.plugins.kotlin.compose)
}

val repoRoot = rootDir.parentFile

android {
    namespace = "cn.xuncha.app"
    compileSdk = 35

    defaultConfig {
        applicationId = "cn.xuncha.app"
        minSdk = 26
        targetSdk = 35
        versionCode = 1
        versionName = "0.1.0"
        // The ABIs scripts/build-android-libs.sh builds; keeps stray ABIs out of the APK.
        ndk { abiFilters += listOf("arm64-v8a", "armeabi-v7a", "x86_64") }
    }

    buildTypes {
        release {
            isMinifyEnabled = true
            proguardFiles(getDefaultProguardFile("proguard-android-optimize.txt"), "proguard-rules.pro")
        }
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    buildFeatures { compose = true }

    sourceSets {
        getByName("main") {
            java.srcDirs(
                "src/main/kotlin",
                "src/generated/kotlin",                       // uniffi output, package cn.xuncha.core.ffi
                repoRoot.resolve("bindings/kotlin/src/main/kotlin"), // wrapper, package cn.xuncha.core
            )
            // The checklist templates the app starts with (later versions arrive by sync).
            assets.srcDirs(repoRoot.resolve("fixtures/checklists"))
        }
        getByName("debug") {
            // Debug builds also get the demo jurisdiction tree, so the app runs without a server.
            assets.srcDirs(repoRoot.resolve("fixtures/demo"))
        }
    }

    packaging {
        // Keep libxuncha.so page-aligned and uncompressed in the APK (loaded in place).
        jniLibs.useLegacyPackaging = false
    }
}

kotlin {
    jvmToolchain(17)
}

// Fail early, with the fix, when the native library or the generated bindings are missing.
val nativeBits = listOf(
    file("src/generated/kotlin/cn/xuncha/core/ffi/xuncha.kt"),
    file("src/main/jniLibs/arm64-v8a/libxuncha.so"),
)
val checkXunchaCore by tasks.registering {
    val required = nativeBits
    doLast {
        val missing = required.filterNot { it.exists() }.map { it.name }
        if (missing.isNotEmpty()) {
            throw GradleException(
                "Missing ${missing.joinToString()}: run scripts/build-android-libs.sh from the repository root first.",
            )
        }
    }
}
tasks.named("preBuild") { dependsOn(checkXunchaCore) }

dependencies {
    implementation(project(":shared"))

    implementation(platform(libs.compose.bom))
    implementation(libs.compose.ui)
    implementation(libs.compose.ui.tooling.preview)
    implementation(libs.compose.material3)
    implementation(libs.compose.material.icons)
    debugImplementation(libs.compose.ui.tooling)
    implementation(libs.activity.compose)
    implementation(libs.lifecycle.runtime.compose)
    implementation(libs.navigation.compose)

    implementation(libs.camera.core)
    implementation(libs.camera.camera2)
    implementation(libs.camera.lifecycle)
    implementation(libs.camera.view)

    implementation(libs.play.services.location)
    implementation(libs.work.runtime.ktx)
    implementation(libs.coroutines.android)
    implementation(libs.coroutines.play.services)

    // uniffi's generated Kotlin calls the native library through JNA. `@aar` is JNA's Android
    // packaging, with libjnidispatch.so for every ABI (the plain jar has desktop natives only).
    implementation("net.java.dev.jna:jna:5.14.0@aar")
    implementation(libs.bouncycastle)
}
