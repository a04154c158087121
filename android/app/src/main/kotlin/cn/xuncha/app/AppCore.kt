package cn.xuncha.app

import android.content.Context
import cn.xuncha.app.keys.DeviceKey
import cn.xuncha.app.keys.StoreKey
import cn.xuncha.app.logic.SyncFacts
import cn.xuncha.core.ffi.ApiException
import cn.xuncha.core.ffi.SyncProgress
import cn.xuncha.core.ffi.XunchaStore
import cn.xuncha.core.ffi.types.Capture
import cn.xuncha.core.ffi.types.ChecklistItem
import cn.xuncha.core.ffi.types.ChecklistTemplate
import cn.xuncha.core.ffi.types.EvidenceItem
import cn.xuncha.core.ffi.types.GpsFix
import cn.xuncha.core.ffi.types.Officer
import cn.xuncha.core.ffi.types.PatrolSummary
import cn.xuncha.core.ffi.types.SyncReport
import cn.xuncha.core.ffi.types.UserInfo
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import org.json.JSONArray
import java.io.File

/**
 * The app's handle on the Rust core: opens the store with the Keystore-held device key, loads
 * the bundled reference data, and runs calls off the main thread. Every rule (validation,
 * checklist applicability, evidence flags, sync) is core's; this class only plumbs.
 *
 * Every call is checked against the generated bindings.
 */
class AppCore(private val context: Context) {
    private val prefs = context.getSharedPreferences("xuncha", Context.MODE_PRIVATE)
    private val bundledTemplateIds = mutableSetOf<String>()

    /** Opened on first use: keep the first call off the main thread (see [io]). */
    val store: XunchaStore by lazy { open() }

    /** The jurisdiction this officer works in: from enrolment, or the demo tree's root. */
    var jurisdictionRoot: String?
        get() = prefs.getString(KEY_ROOT, null)
        private set(value) = prefs.edit().putString(KEY_ROOT, value).apply()

    /** Runs [block] on the IO dispatcher; core's errors come back as a failed [Result]. */
    suspend fun <T> io(block: XunchaStore.() -> T): Result<T> = withContext(Dispatchers.IO) {
        try {
            Result.success(store.block())
        } catch (e: ApiException) {
            Result.failure(e)
        }
    }

    private fun open(): XunchaStore {
        val dir = File(context.noBackupFilesDir, "store")
        // Encrypted at rest with the Keystore-wrapped store key (ADR 0013); a store from an older
        // app is encrypted on this first open. Refused with ApiException.KeyStore when the
        // platform key does not sign correctly.
        val key = StoreKey.loadOrCreate(context.noBackupFilesDir)
        val store = XunchaStore.openEncrypted(dir.absolutePath, key, DeviceKey.signer(context))
        key.fill(0)
        loadBundledReference(store)
        return store
    }

    /** Templates shipped in assets (idempotent: core ignores an identical version); in debug
     *  builds also the demo jurisdiction tree, so the app works before enrolment. */
    private fun loadBundledReference(store: XunchaStore) {
        val assets = context.assets
        for (name in assets.list("").orEmpty().filter { it.endsWith(".json") }) {
            val text = assets.open(name).bufferedReader().use { it.readText() }
            when (name) {
                DEMO_JURISDICTIONS -> {
                    store.loadJurisdictionsJson(text)
                    if (jurisdictionRoot == null) jurisdictionRoot = demoRoot(text)
                }
                in DEMO_OTHER -> Unit
                else -> bundledTemplateIds += store.loadTemplateJson(text).id
            }
        }
    }

    private fun demoRoot(json: String): String? {
        val nodes = JSONArray(json)
        return (0 until nodes.length()).map { nodes.getJSONObject(it) }.firstOrNull { it.isNull("parent_id") }?.getString("id")
    }

    /** The newest version of each checklist this app knows (bundled; newer ones arrive by sync). */
    fun templates(): List<ChecklistTemplate> = store.let { s -> bundledTemplateIds.sorted().map { s.latestTemplate(it) } }

    /** Camera JPEG bytes as evidence of [inspectionId] (and checklist item [itemId]). */
    fun addPhoto(jpeg: ByteArray, inspectionId: String, itemId: String?, fix: GpsFix?): EvidenceItem =
        store.addPhoto(jpeg, Capture(recordId = inspectionId, itemId = itemId, gps = fix, corrects = null))

    /** Enrols this device with a one-time code and signs in as the enrolled officer. */
    fun enroll(serverUrl: String, code: String): UserInfo {
        val user = store.enroll(serverUrl, code)
        store.signIn(Officer(name = user.name, department = user.department, certNo = user.certNo))
        jurisdictionRoot = user.jurisdictionId
        return user
    }

    /** A device revoked in the console has wiped its store by the time this throws
     *  ApiException.DeviceRevoked; the store key goes too, then the app returns to enrolment. */
    fun sync(progress: SyncProgress): SyncReport = try {
        store.sync(progress)
    } catch (e: ApiException.DeviceRevoked) {
        StoreKey.delete(context.noBackupFilesDir)
        throw e
    }

    /** The checklist items that apply to this inspection (shift, place type), in order. */
    fun applicableItems(inspectionId: String): List<ChecklistItem> = store.applicableItems(inspectionId)

    /** Patrols of the last 30 days in a jurisdiction subtree, newest first. */
    fun listPatrols(jurisdictionId: String): List<PatrolSummary> {
        val now = System.currentTimeMillis()
        return store.listPatrols(jurisdictionId, now - 30L * 86_400_000L, now + 86_400_000L)
    }

    fun syncFacts(): SyncFacts = store.syncStatus().let {
        SyncFacts(
            pendingRecords = it.pendingRecords.toLong(),
            pendingChanges = it.pendingChanges.toLong(),
            pendingBytes = it.pendingBytes.toLong(),
            lastSuccessMs = it.lastSuccessMs,
            lastAttemptMs = it.lastAttemptMs,
            lastError = it.lastError,
            enrolled = it.enrolled,
        )
    }

    companion object {
        private const val KEY_ROOT = "jurisdiction_root"
        private const val DEMO_JURISDICTIONS = "jurisdictions.json"
        private val DEMO_OTHER = setOf("places.json", "ledger.json", "officers.json")
    }
}

val Context.core: AppCore get() = (applicationContext as XunchaApplication).core
