package cn.xuncha.core

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path
import java.util.concurrent.Callable
import java.util.concurrent.CountDownLatch
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit

/** One store object used from many threads at once, as the app's UI and workers do. */
class ConcurrencyTest {
    @TempDir
    lateinit var tmp: Path

    private fun <T> onThreads(n: Int, task: (Int) -> T): List<T> {
        val pool = Executors.newFixedThreadPool(n)
        try {
            val gate = CountDownLatch(1)
            val futures = (0 until n).map { t -> pool.submit(Callable { gate.await(); task(t) }) }
            gate.countDown()
            return futures.map { it.get(60, TimeUnit.SECONDS) } // rethrows any failure
        } finally {
            pool.shutdownNow()
        }
    }

    @Test
    fun `eight threads answer and add findings on one inspection, all recorded`() {
        deviceStore(tmp).use { store ->
            val inspections = Inspections(store)
            val id = inspections.start(store.checklist(), Fixtures.GRID)
            val items = Fixtures.dayYesNoItems
            onThreads(8) { t ->
                items.filterIndexed { i, _ -> i % 8 == t }.forEach { inspections.answerNo(id, it, "线程$t") }
                repeat(5) { k -> inspections.addFinding(id, "线程$t 发现$k") }
                store.inspection(id) // reads interleave with writes
            }
            val done = inspections[id]
            assertEquals(items.toSet(), done.answers.map { it.itemId }.toSet())
            assertEquals(40, done.findings.size)
            assertEquals((0 until 8).flatMap { t -> (0 until 5).map { "线程$t 发现$it" } }.toSet(), done.findings.map { it.text }.toSet())
            assertEquals(items.size.toUInt(), inspections.list()[0].answered)
        }
    }

    @Test
    fun `eight threads start their own inspections and patrols`() {
        deviceStore(tmp).use { store ->
            val inspections = Inspections(store)
            val template = store.checklist()
            val ids = onThreads(8) {
                val id = inspections.start(template, Fixtures.GRID)
                inspections.answerAllClear(id)
                inspections.conclude(id, cn.xuncha.core.ffi.types.Conclusion.NO_PROBLEM)
                store.startPatrol(Fixtures.GRID)
                id
            }
            assertEquals(8, ids.toSet().size)
            assertEquals(ids.toSet(), inspections.list(limit = 100).map { it.id }.toSet())
        }
    }
}
