package cn.xuncha.app.device

import android.content.Context
import android.location.Location
import androidx.camera.core.ImageCapture
import androidx.camera.core.ImageCaptureException
import cn.xuncha.core.ffi.types.GpsFix
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.suspendCancellableCoroutine
import kotlinx.coroutines.withContext
import java.io.File
import java.util.concurrent.Executors
import kotlin.coroutines.resume
import kotlin.coroutines.resumeWithException

private val cameraIo = Executors.newSingleThreadExecutor()

/**
 * Takes one photo and returns its JPEG bytes exactly as CameraX wrote them, for core's
 * `add_photo` (core keeps the bytes unchanged and names them by their SHA-256).
 *
 * The photo goes through a file, not the in-memory callback, because only the file path lets
 * CameraX write EXIF: orientation and, from [fix], the GPS position that core compares with
 * the fix (a photo without EXIF position is flagged for the reviewer). The temporary file is
 * in the app's private cache and is deleted as soon as it is read.
 */
suspend fun ImageCapture.takeJpeg(context: Context, fix: GpsFix?): ByteArray {
    val file = File.createTempFile("capture-", ".jpg", context.cacheDir)
    try {
        val metadata = ImageCapture.Metadata().apply { location = fix?.toLocation() }
        val options = ImageCapture.OutputFileOptions.Builder(file).setMetadata(metadata).build()
        suspendCancellableCoroutine { cont ->
            takePicture(options, cameraIo, object : ImageCapture.OnImageSavedCallback {
                override fun onImageSaved(output: ImageCapture.OutputFileResults) = cont.resume(Unit)
                override fun onError(e: ImageCaptureException) = cont.resumeWithException(e)
            })
        }
        return withContext(Dispatchers.IO) { file.readBytes() }
    } finally {
        file.delete()
    }
}

private fun GpsFix.toLocation() = Location("xuncha").also {
    it.latitude = lat
    it.longitude = lon
    it.accuracy = accuracyM.toFloat()
    altitudeM?.let { alt -> it.altitude = alt }
    it.time = fixTimeMs
}
