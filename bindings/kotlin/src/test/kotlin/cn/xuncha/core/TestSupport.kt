package cn.xuncha.core

import cn.xuncha.core.ffi.ChecklistTemplate
import cn.xuncha.core.ffi.Officer
import cn.xuncha.core.ffi.XunchaStore
import java.io.File
import java.nio.file.Path

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
