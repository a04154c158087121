package cn.xuncha.core

import cn.xuncha.core.ffi.XunchaStore
import cn.xuncha.core.ffi.types.AnswerValue
import cn.xuncha.core.ffi.types.Approach
import cn.xuncha.core.ffi.types.ChecklistTemplate
import cn.xuncha.core.ffi.types.Conclusion
import cn.xuncha.core.ffi.types.Inspection
import cn.xuncha.core.ffi.types.InspectionFilter
import cn.xuncha.core.ffi.types.InspectionSummary
import cn.xuncha.core.ffi.types.Mode
import cn.xuncha.core.ffi.types.NewInspection
import cn.xuncha.core.ffi.types.Shift

/**
 * The inspection calls of the Android screens, with defaults and typed answers. Thin: each
 * function is one call into the store; errors are the store's [cn.xuncha.core.ffi.ApiException].
 */
class Inspections(private val store: XunchaStore) {
    /** Starts an inspection against [template] in [jurisdictionId]; returns its id. */
    fun start(
        template: ChecklistTemplate,
        jurisdictionId: String,
        shift: Shift = Shift.DAY,
        mode: Mode = Mode.JOINT,
        approach: Approach = Approach.OPEN,
        placeId: String? = null,
        ledgerId: String? = null,
    ): String = store.startInspection(
        NewInspection(template.id, template.version, jurisdictionId, shift, mode, approach, placeId, ledgerId),
    )

    /** Joins a colleague's inspection as a team member (after it reached this device). */
    fun join(id: String) = store.joinInspection(id)

    /** A violation was seen. Concluding later needs a note and evidence on this item. */
    fun answerYes(id: String, itemId: String, note: String) = store.answerItem(id, itemId, AnswerValue.Yes, note)

    fun answerNo(id: String, itemId: String, note: String = "") = store.answerItem(id, itemId, AnswerValue.No, note)

    fun answerNotApplicable(id: String, itemId: String, note: String = "") =
        store.answerItem(id, itemId, AnswerValue.NotApplicable, note)

    fun answerCount(id: String, itemId: String, count: Int, note: String = "") {
        require(count >= 0) { "count must not be negative: $count" }
        store.answerItem(id, itemId, AnswerValue.Count(count.toUInt()), note)
    }

    fun answerText(id: String, itemId: String, text: String, note: String = "") =
        store.answerItem(id, itemId, AnswerValue.Text(text), note)

    /** Records a finding; returns its id. */
    fun addFinding(id: String, text: String): String = store.addFinding(id, text)

    /** Concludes; refused (ApiException.NotReady) with the reasons while the checklist is incomplete. */
    fun conclude(id: String, conclusion: Conclusion) = store.concludeInspection(id, conclusion)

    operator fun get(id: String): Inspection = store.inspection(id)

    /** A page of the inspection list, newest first. */
    fun list(filter: InspectionFilter = InspectionFilter(), limit: Int = 50, offset: Int = 0): List<InspectionSummary> =
        store.listInspections(filter, limit.toUInt(), offset.toUInt())
}
