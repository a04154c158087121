package cn.xuncha.core

import cn.xuncha.core.ffi.ExchangeReport
import cn.xuncha.core.ffi.types.Phase
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path
import java.util.Collections

/** Two officers' phones working one inspection offline, then exchanging directly. */
class ExchangeTest {
    @TempDir
    lateinit var tmp: Path

    private data class Progress(val phase: Phase, val done: Long, val total: Long)

    @Test
    fun `progress is reported and both stores converge on the same inspection`() {
        deviceStore(tmp, "phone-a", Fixtures.education).use { a ->
            deviceStore(tmp, "phone-b", Fixtures.market).use { b ->
                val onA = Inspections(a)
                val onB = Inspections(b)
                val id = onA.start(a.checklist(), Fixtures.GRID)
                onA.answerNo(id, "I01")

                val calls = Collections.synchronizedList(mutableListOf<Progress>())
                val first = a.exchangeWith(b, syncProgress { phase, done, total -> calls += Progress(phase, done, total) })
                assertEquals(
                    listOf(
                        Progress(Phase.PUSH_RECORDS, 0, 1),
                        Progress(Phase.PUSH_RECORDS, 1, 1),
                        Progress(Phase.PULL_RECORDS, 0, 1),
                        Progress(Phase.PULL_RECORDS, 1, 1),
                    ),
                    calls.toList(),
                )
                assertTrue(first.sentChanges > 0u && first.receivedChanges == 0uL, "$first")
                assertEquals(a.inspection(id), b.inspection(id))

                // Both work offline: B joins and answers its part; both answer I12 differently.
                onB.join(id)
                onB.answerNo(id, "I10")
                onB.addFinding(id, "消防通道堆放杂物")
                onA.answerNo(id, "I02")
                onA.answerNo(id, "I12")
                onB.answerYes(id, "I12", note = "灭火器过期")

                val second = b.exchangeWith(a, syncProgress { _, _, _ -> })
                assertTrue(second.sentChanges > 0u && second.receivedChanges > 0u, "$second")
                val onBoth = a.inspection(id)
                assertEquals(onBoth, b.inspection(id))
                assertEquals(setOf(Fixtures.education, Fixtures.market), onBoth.team.toSet())
                assertEquals(setOf("I01", "I02", "I10", "I12"), onBoth.answers.map { it.itemId }.toSet())
                assertEquals(listOf("消防通道堆放杂物"), onBoth.findings.map { it.text })
                assertEquals(listOf("answers.I12"), onBoth.conflicts.map { it.field })

                // Nothing left to move; exchanging again changes nothing.
                assertEquals(ExchangeReport(0u, 0u), a.exchangeWith(b, syncProgress { _, _, _ -> }))
                assertEquals(onBoth, a.inspection(id))
            }
        }
    }
}
