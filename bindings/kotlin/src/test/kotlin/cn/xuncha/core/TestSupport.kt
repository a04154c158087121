package cn.xuncha.core

import cn.xuncha.core.ffi.DeviceSigner
import cn.xuncha.core.ffi.XunchaStore
import cn.xuncha.core.ffi.types.ChecklistTemplate
import cn.xuncha.core.ffi.types.GpsFix
import cn.xuncha.core.ffi.types.GpsProvider
import cn.xuncha.core.ffi.types.Officer
import java.io.File
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Path
import java.security.KeyPairGenerator
import java.security.Signature
import java.util.concurrent.atomic.AtomicInteger

/** Reference data read from the repository's fixtures (path given by -Dxuncha.fixtures). */
object Fixtures {
    private val dir: File = File(
        System.getProperty("xuncha.fixtures") ?: error("run with -Dxuncha.fixtures=<repo>/fixtures"),
    )
    val templateJson: String by lazy { File(dir, "checklists/hidden-tutoring-v1.json").readText() }
    val jurisdictionsJson: String by lazy { File(dir, "demo/jurisdictions.json").readText() }

    const val TEMPLATE = "hidden-tutoring"
    const val COUNTY = "qs-yx"
    const val COMMUNITY = "qs-yx-gx-hq"
    const val GRID = "qs-yx-gx-hq-g1"

    // Made-up officers, as in fixtures/demo/officers.json.
    val education = Officer("林晓雯", "教育局", "QS-JY-2023-0117")
    val market = Officer("赵海川", "市场监管局", "QS-SJ-2023-0342")

    /** Yes/no items asked on a day check with no place set (I03, I09: place types; I14: night). */
    val dayYesNoItems = listOf("I01", "I02", "I04", "I05", "I06", "I07", "I08", "I10", "I11", "I12", "I13")
}

/** A store in [dir]/[name] with an officer signed in and the reference data loaded. */
fun deviceStore(dir: Path, name: String = "device", officer: Officer = Fixtures.education): XunchaStore {
    val store = Xuncha.open(dir.resolve(name).toFile())
    store.signIn(officer)
    store.loadReference(Fixtures.templateJson, Fixtures.jurisdictionsJson)
    return store
}

fun XunchaStore.checklist(): ChecklistTemplate = latestTemplate(Fixtures.TEMPLATE)

/** Answers every item of a day check without a place: all "no", a count and a description. */
fun Inspections.answerAllClear(id: String) {
    Fixtures.dayYesNoItems.forEach { answerNo(id, it) }
    answerCount(id, "I15", 0)
    answerText(id, "I16", "现场为普通住户，未见在培学生")
}

/** Runs [block], expecting it to throw a [T] (Debian's JUnit jar lacks the Kotlin helper). */
inline fun <reified T : Throwable> assertThrows(noinline block: () -> Unit): T =
    org.junit.jupiter.api.Assertions.assertThrows(T::class.java, block)

/**
 * Phone-like JPEGs made by the fixtures crate's make-fixture-photos (directory given by
 * -Dxuncha.photos; scripts/test makes them once into target/fixture-photos).
 */
object Photos {
    private val dir: File = File(
        System.getProperty("xuncha.photos") ?: error("run with -Dxuncha.photos=<dir written by make-fixture-photos>"),
    )

    /** Taken "at" 荷桥花园小区: EXIF position 26.6121, 106.9213; GPS time 2024-05-01 01:00:00 UTC. */
    val place1: ByteArray by lazy { File(dir, "place1-orientation-1.jpg").readBytes() }
    val place1Path: String get() = File(dir, "place1-orientation-1.jpg").absolutePath
    /** Taken "at" 桂香商务中心, a different photo (bytes and hash). */
    val place2: ByteArray by lazy { File(dir, "place2-orientation-3.jpg").readBytes() }
    const val PLACE1_LAT = 26.6121
    const val PLACE1_LON = 106.9213
    const val PLACE1_TAKEN_MS = 1_714_525_200_000L

    /** A fix at place 1 when the photo was taken (so only [accuracyM] can raise a flag). */
    fun fixAtPlace1(accuracyM: Double = 8.0, lat: Double = PLACE1_LAT) =
        GpsFix(lat, PLACE1_LON, accuracyM, 1085.0, GpsProvider.FUSED, false, PLACE1_TAKEN_MS, PLACE1_TAKEN_MS)

    /** A 1×1 PNG, as a signature pad would give (smallest valid drawing). */
    val signaturePng: ByteArray = java.util.Base64.getDecoder().decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
    )
}

fun ByteArray.hex(): String = joinToString("") { "%02x".format(it) }

/**
 * A device key held outside Rust, as the Android Keystore holds it: the JDK's own Ed25519
 * (java.security), so the Rust code under test does not check itself. Counts signatures;
 * [failWith] makes it throw, as a Keystore whose key was invalidated does.
 */
class JdkSigner : DeviceSigner {
    private val pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair()
    /** The raw key: the last 32 bytes of the X.509 encoding. */
    val raw: ByteArray = pair.public.encoded.let { it.copyOfRange(it.size - 32, it.size) }
    val signatures = AtomicInteger()
    @Volatile var failWith: Exception? = null

    override fun publicKey(): ByteArray = raw.copyOf()

    override fun sign(message: ByteArray): ByteArray {
        failWith?.let { throw it }
        signatures.incrementAndGet()
        return Signature.getInstance("Ed25519").run {
            initSign(pair.private)
            update(message)
            sign()
        }
    }
}

/**
 * The demo sync server scripts/test started on loopback (-Dxuncha.server), and the two admin
 * calls a test needs, over the JDK's HTTP client.
 */
object DemoServer {
    val url: String = System.getProperty("xuncha.server") ?: error("run with -Dxuncha.server=<url of xuncha-server --demo>")
    private val http: HttpClient = HttpClient.newHttpClient()

    /** A one-time enrolment code for [username], issued by the demo admin. */
    fun enrollmentCode(username: String): String {
        val token = field(post("/v1/login", """{"username":"admin","password":"admin-demo-2026"}"""), "token")
        return field(post("/v1/admin/users/$username/enrollment", "{}", token), "code")
    }

    /** The console admin revokes a device (a lost phone). */
    fun revokeDevice(deviceId: String) {
        val token = field(post("/v1/login", """{"username":"admin","password":"admin-demo-2026"}"""), "token")
        post("/v1/admin/devices/$deviceId/revoke", "{}", token)
    }

    private fun post(path: String, json: String, token: String? = null): String {
        val request = HttpRequest.newBuilder(URI.create(url + path))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .apply { if (token != null) header("authorization", "Bearer $token") }
            .build()
        val response = http.send(request, HttpResponse.BodyHandlers.ofString())
        check(response.statusCode() == 200) { "POST $path: HTTP ${response.statusCode()} ${response.body()}" }
        return response.body()
    }

    /** A top-level string field of a small JSON object (the JDK has no JSON parser). */
    private fun field(json: String, name: String): String =
        Regex(""""$name"\s*:\s*"([^"]*)"""").find(json)?.groupValues?.get(1) ?: error("no $name in $json")
}
