package cn.xuncha.app

import android.app.Application
import cn.xuncha.app.sync.SyncScheduler

class XunchaApplication : Application() {
    /** The one core handle of the process; the store opens on first use, off the main thread. */
    val core: AppCore by lazy { AppCore(this) }

    override fun onCreate() {
        super.onCreate()
        SyncScheduler.schedulePeriodic(this)
    }
}
