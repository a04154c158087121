package cn.xuncha.core

import cn.xuncha.core.ffi.HttpTransport
import cn.xuncha.core.ffi.SyncProgress
import cn.xuncha.core.ffi.TransportException
import cn.xuncha.core.ffi.XunchaStore
import cn.xuncha.core.ffi.types.HttpHeader
import cn.xuncha.core.ffi.types.HttpMethod
import cn.xuncha.core.ffi.types.HttpRequest
import cn.xuncha.core.ffi.types.HttpResponse
import cn.xuncha.core.ffi.types.SyncReport
import cn.xuncha.core.ffi.types.UserInfo
import java.io.IOException
import java.net.HttpURLConnection
import java.net.URL

/**
 * The sync's HTTP on the platform's own stack: `HttpURLConnection`, on Android and on the
 * desktop JVM alike, so HTTPS is checked against the platform's trust store (on Android with the
 * app's network security config). Core decides every request; this only carries it. Bodies are
 * at most a few megabytes (core cuts pushes and uploads into batches and chunks) and are sent
 * with a fixed length, so nothing is buffered twice.
 */
class UrlConnectionTransport(
    private val connectTimeoutMs: Int = 10_000,
    private val readTimeoutMs: Int = 60_000,
) : HttpTransport {
    override fun send(request: HttpRequest): HttpResponse {
        val connection = try {
            URL(request.url).openConnection() as HttpURLConnection
        } catch (e: IOException) {
            throw TransportException.NoAnswer("${e.javaClass.simpleName}: ${e.message}")
        }
        try {
            connection.connectTimeout = connectTimeoutMs
            connection.readTimeout = readTimeoutMs
            connection.instanceFollowRedirects = false
            connection.useCaches = false
            connection.requestMethod = when (request.method) {
                HttpMethod.GET -> "GET"
                HttpMethod.POST -> "POST"
                HttpMethod.PUT -> "PUT"
            }
            request.headers.forEach { connection.setRequestProperty(it.name, it.value) }
            if (request.method != HttpMethod.GET) {
                connection.doOutput = true
                connection.setFixedLengthStreamingMode(request.body.size)
                connection.outputStream.use { it.write(request.body) }
            }
            val status = connection.responseCode
            // Error statuses carry their body (the server's code and message) on the error stream.
            val stream = if (status >= 400) connection.errorStream else connection.inputStream
            val body = stream?.use { it.readBytes() } ?: ByteArray(0)
            // Core reads the coding: pulls ask for zstd themselves, so HttpURLConnection (which
            // decodes only the gzip it asked for on its own) hands the bytes over as they came.
            val headers = connection.headerFields.flatMap { (name, values) ->
                if (name == null) emptyList() else values.map { HttpHeader(name, it) }
            }
            return HttpResponse(status.toUShort(), headers, body)
        } catch (e: IOException) {
            throw TransportException.NoAnswer("${e.javaClass.simpleName}: ${e.message}")
        } finally {
            connection.disconnect()
        }
    }
}

/** Enrols over the platform's HTTP stack ([UrlConnectionTransport]). Blocking. */
fun XunchaStore.enroll(serverUrl: String, code: String): UserInfo = enroll(UrlConnectionTransport(), serverUrl, code)

/** One whole sync over the platform's HTTP stack ([UrlConnectionTransport]). Blocking. */
fun XunchaStore.sync(progress: SyncProgress): SyncReport = sync(UrlConnectionTransport(), progress)
