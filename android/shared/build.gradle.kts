// Plain Kotlin/JVM helpers of the app (no android.*): also compiled and tested without Gradle
// by shared/test.sh, which is how they are checked on machines without an Android SDK.
plugins {
    alias(libs.plugins.kotlin.jvm)
}

kotlin {
    jvmToolchain(17)
}

dependencies {
    testImplementation(platform(libs.junit.bom))
    testImplementation(libs.junit.jupiter)
    testRuntimeOnly(libs.junit.platform.launcher)
}

tasks.test {
    useJUnitPlatform()
}
