package cn.xuncha.core

import cn.xuncha.core.ffi.ApiException
import cn.xuncha.core.ffi.HttpTransport
import cn.xuncha.core.ffi.TransportException
import cn.xuncha.core.ffi.types.HttpHeader
import cn.xuncha.core.ffi.types.HttpRequest
import cn.xuncha.core.ffi.types.HttpResponse
import cn.xuncha.core.ffi.types.Officer
import java.nio.file.Path
import java.util.Collections
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir

/** The sync's requests go over the JVM's own HTTP stack (HttpURLConnection), to the real demo server. */
class TransportTest {
    @TempDir
    lateinit var tmp: Path

    /** Passes every request to [inner] and keeps what went by. */
    private class Recording(private val inner: HttpTransport) : HttpTransport {
        val seen: MutableList<Pair<HttpRequest, Int>> = Collections.synchronizedList(mutableListOf())
        val answers: MutableList<HttpResponse> = Collections.synchronizedList(mutableListOf())
        override fun send(request: HttpRequest): HttpResponse {
            val response = inner.send(request)
            seen += request to response.status.toInt()
            answers += response
            return response
        }
    }

    private fun List<HttpHeader>.value(name: String): String? = firstOrNull { it.name.equals(name, ignoreCase = true) }?.value

    @Test
    fun `every request of a sync goes through the app's transport`() {
        deviceStore(tmp).use { store ->
            val transport = Recording(UrlConnectionTransport())
            val user = store.enroll(transport, DemoServer.url, DemoServer.enrollmentCode("zhou"))
            store.signIn(Officer(user.name, user.department, user.certNo))
            assertEquals(1, transport.seen.size)
            assertTrue(transport.seen[0].first.url.endsWith("/v1/enroll"))

            transport.seen.clear()
            transport.answers.clear()
            val report = store.sync(transport, syncProgress { _, _, _ -> })
            assertTrue(report.pulledChanges > 0uL, "$report")
            assertEquals(report.roundTrips.toInt(), transport.seen.size, "the core made no request of its own")
            assertTrue(transport.seen.all { (request, status) -> request.url.startsWith(DemoServer.url) && status == 200 })
            val auth = transport.seen.first().first.headers.first { it.name == "authorization" }.value
            assertTrue(auth.startsWith("Bearer "), auth)

            // Core codes the sync's bodies; HttpURLConnection neither adds nor strips a coding.
            val pullAt = transport.seen.indexOfFirst { it.first.url.contains("/v1/sync/pull") }
            val pull = transport.answers[pullAt]
            assertEquals("zstd", transport.seen[pullAt].first.headers.value("accept-encoding"))
            assertEquals("zstd", pull.headers.value("content-encoding"), "${pull.headers}")
            val zstdMagic = listOf(0x28, 0xB5, 0x2F, 0xFD).map { it.toByte() }
            assertEquals(zstdMagic, pull.body.take(4), "the pull answer came as zstd bytes")
        }
    }

    @Test
    fun `a push goes as zstd over HttpURLConnection and is stored`() {
        deviceStore(tmp).use { store ->
            val transport = Recording(UrlConnectionTransport())
            val user = store.enroll(transport, DemoServer.url, DemoServer.enrollmentCode("zhou"))
            store.signIn(Officer(user.name, user.department, user.certNo))
            Inspections(store).start(store.checklist(), Fixtures.GRID)
            transport.seen.clear()
            val report = store.sync(transport, syncProgress { _, _, _ -> })
            assertEquals(1uL, report.pushRequests, "$report")
            val push = transport.seen.first { it.first.url.endsWith("/v1/sync/push") }
            assertEquals("zstd", push.first.headers.value("content-encoding"))
            assertEquals(200, push.second)
            assertEquals(0uL, store.syncStatus().pendingChanges)
        }
    }

    @Test
    fun `a transport that gets no answer is a network error and loses nothing`() {
        deviceStore(tmp).use { store ->
            store.enroll(UrlConnectionTransport(), DemoServer.url, DemoServer.enrollmentCode("zhou"))
            Inspections(store).start(store.checklist(), Fixtures.GRID)
            val pending = store.syncStatus().pendingChanges
            val dead = object : HttpTransport {
                override fun send(request: HttpRequest): HttpResponse = throw TransportException.NoAnswer("飞行模式")
            }
            val e = assertThrows<ApiException.Network> { store.sync(dead, syncProgress { _, _, _ -> }) }
            assertTrue(e.message!!.endsWith("(network)"), e.message)
            assertEquals(pending, store.syncStatus().pendingChanges)
            store.sync(syncProgress { _, _, _ -> })
            assertEquals(0uL, store.syncStatus().pendingChanges)
        }
    }
}
