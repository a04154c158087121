package cn.xuncha.app.device

import android.annotation.SuppressLint
import android.content.Context
import android.location.Location
import android.os.Build
import cn.xuncha.app.logic.LocationText
import cn.xuncha.core.ffi.types.GpsFix
import cn.xuncha.core.ffi.types.GpsProvider
import com.google.android.gms.location.CurrentLocationRequest
import com.google.android.gms.location.LocationServices
import com.google.android.gms.location.Priority
import com.google.android.gms.tasks.CancellationTokenSource
import kotlinx.coroutines.tasks.await

/**
 * One fresh fix from the fused provider, handed to core as it came: core decides whether the
 * accuracy is good enough (the template's rule) and flags mock locations; nothing is filtered
 * here. Callers must hold ACCESS_FINE_LOCATION.
 */
class LocationSource(context: Context) {
    private val client = LocationServices.getFusedLocationProviderClient(context)

    /** A current high-accuracy fix, or null when none came within [timeoutMs] (basements). */
    @SuppressLint("MissingPermission")
    suspend fun currentFix(timeoutMs: Long = 15_000): GpsFix? {
        val request = CurrentLocationRequest.Builder()
            .setPriority(Priority.PRIORITY_HIGH_ACCURACY)
            .setDurationMillis(timeoutMs)
            .setMaxUpdateAgeMillis(10_000) // a fix up to 10 s old is as good as a new one
            .build()
        val cancel = CancellationTokenSource()
        return try {
            client.getCurrentLocation(request, cancel.token).await()?.toGpsFix()
        } finally {
            cancel.cancel()
        }
    }
}

/** The platform fix in core's terms; null when the platform gave no accuracy (core needs one). */
fun Location.toGpsFix(): GpsFix? {
    if (!hasAccuracy()) return null
    val mock = if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.S) isMock else @Suppress("DEPRECATION") isFromMockProvider
    return GpsFix(
        lat = latitude,
        lon = longitude,
        accuracyM = accuracy.toDouble(),
        altitudeM = if (hasAltitude()) altitude else null,
        provider = when (LocationText.providerName(provider)) {
            "gps" -> GpsProvider.GPS
            "network" -> GpsProvider.NETWORK
            else -> GpsProvider.FUSED
        },
        mock = mock,
        fixTimeMs = time,
        deviceTimeMs = System.currentTimeMillis(),
    )
}
