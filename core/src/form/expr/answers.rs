//! Where an expression reads the answers it refers to.

use super::value::Value;
use std::collections::BTreeMap;

/// The answers of the form being filled in, as an expression sees them.
pub trait Answers {
    /// The answer to the question named `name` (`${name}`); `Value::Empty` when unanswered.
    fn value(&self, name: &str) -> Value;
    /// The value of the question the expression belongs to (`.`, used in a `constraint`).
    fn current(&self) -> Value;
}

/// Answers held in a map: for previews, the importer's checks and tests.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AnswerMap {
    pub values: BTreeMap<String, Value>,
    pub current: Value,
}

impl AnswerMap {
    pub fn new() -> Self {
        Self::default()
    }

    /// With the answer to `name` set.
    pub fn with(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.values.insert(name.to_owned(), value.into());
        self
    }

    /// With the current question's value set.
    pub fn with_current(mut self, value: impl Into<Value>) -> Self {
        self.current = value.into();
        self
    }
}

impl Answers for AnswerMap {
    fn value(&self, name: &str) -> Value {
        self.values.get(name).cloned().unwrap_or_default()
    }

    fn current(&self) -> Value {
        self.current.clone()
    }
}
