//! Forms imported from XLSForm workbooks (county admins upload them as checklists). For now,
//! the expression language of their `relevant` (skip logic) and `constraint` columns, which
//! the phone evaluates offline.

mod condition;
pub mod expr;

pub use condition::Condition;
pub use expr::{AnswerMap, Answers, Expr, ExprError, Value};
