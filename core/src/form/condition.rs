//! A question's `relevant` or `constraint` column as the form gives it: blank means there is
//! no condition.

use super::expr::{Answers, Expr, ExprError};
use std::collections::BTreeSet;

/// A `relevant` or `constraint` that may be blank.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Condition {
    expr: Option<Expr>,
}

impl Condition {
    /// Blank (or only whitespace) is no condition; anything else must parse.
    pub fn parse(src: &str) -> Result<Self, ExprError> {
        if src.trim().is_empty() {
            return Ok(Self::none());
        }
        Ok(Condition { expr: Some(Expr::parse(src)?) })
    }

    pub fn none() -> Self {
        Condition { expr: None }
    }

    pub fn expr(&self) -> Option<&Expr> {
        self.expr.as_ref()
    }

    pub fn references(&self) -> BTreeSet<String> {
        self.expr.as_ref().map(Expr::references).unwrap_or_default()
    }

    /// As a `relevant`: a blank one always holds (the question is asked).
    pub fn holds(&self, answers: &dyn Answers) -> bool {
        self.expr.as_ref().is_none_or(|e| e.truthy(answers))
    }

    /// As a `constraint`: a blank one accepts anything, and an unanswered question passes
    /// (whether an answer is needed at all is `required`'s rule, as in ODK).
    pub fn accepts(&self, answers: &dyn Answers) -> bool {
        answers.current().is_empty() || self.holds(answers)
    }
}
