//! XLSForm `relevant` and `constraint` expressions: the subset of XPath 1.0 (with ODK's
//! `selected`, `count-selected`, `int`, `round`, `if`) that the question types core accepts
//! need, parsed once when a form is imported and evaluated offline on the phone.
//!
//! Differences from ODK Collect, all at edges no sensible form reaches: a number string with a
//! decimal comma (`'1,5'`) is NaN, not 1.5; `string-length` counts characters, not UTF-16
//! units; `selected(x, '')` is false; `round` with negative places rounds negative numbers to
//! the nearest ten/hundred as it does positive ones.

mod answers;
mod ast;
mod error;
mod eval;
mod functions;
mod lexer;
mod parser;
mod value;

pub use answers::{AnswerMap, Answers};
pub use ast::{BinOp, Func, Node};
pub use error::{ExprError, Syntax};
pub use value::Value;

use std::collections::BTreeSet;
use std::fmt;

/// The longest expression accepted, in bytes (UTF-8: about 1,300 Chinese characters).
pub const MAX_BYTES: usize = 4096;
/// The deepest nesting accepted: parentheses, calls and unary minus, and the height of the
/// parsed tree (a chain of `and` or of `or` counts once; a chain of `+` counts each `+`).
pub const MAX_DEPTH: usize = 64;

/// A parsed expression, ready to evaluate against answers.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    root: Node,
}

impl Expr {
    /// Parses `src`; refuses it with a Chinese message naming the position or name at fault.
    pub fn parse(src: &str) -> Result<Expr, ExprError> {
        parser::parse(src).map(|root| Expr { root })
    }

    pub fn root(&self) -> &Node {
        &self.root
    }

    /// The names of the questions it refers to (`${name}`).
    pub fn references(&self) -> BTreeSet<String> {
        let mut names = BTreeSet::new();
        self.root.walk(&mut |node| {
            if let Node::Ref(name) = node {
                names.insert(name.clone());
            }
        });
        names
    }

    /// Whether it reads the current question's value (`.`, or `string-length()`).
    pub fn uses_current(&self) -> bool {
        let mut uses = false;
        self.root.walk(&mut |node| {
            uses |= match node {
                Node::Current => true,
                Node::Call(Func::StringLength, args) => args.is_empty(),
                _ => false,
            };
        });
        uses
    }

    /// Refuses the first reference (by name order) that `is_known` does not know, for an
    /// importer checking a form's expressions against its questions.
    pub fn check_references(&self, is_known: impl Fn(&str) -> bool) -> Result<(), ExprError> {
        match self.references().into_iter().find(|name| !is_known(name)) {
            Some(name) => Err(ExprError::UnknownField { name }),
            None => Ok(()),
        }
    }

    pub fn eval(&self, answers: &dyn Answers) -> Value {
        eval::eval(&self.root, answers)
    }

    /// The value as XPath's `boolean()`: what a `relevant` or `constraint` means.
    pub fn truthy(&self, answers: &dyn Answers) -> bool {
        self.eval(answers).to_bool()
    }
}

impl std::str::FromStr for Expr {
    type Err = ExprError;

    fn from_str(src: &str) -> Result<Self, Self::Err> {
        Expr::parse(src)
    }
}

/// Canonical text, with every operation in parentheses; it parses back to the same tree (for
/// logs and tests: the added parentheses can take text near `MAX_BYTES` past it, so keep the
/// form's own text).
impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.root.fmt(f)
    }
}
