//! Why an expression was refused: a stable code for the importer and logs, an English
//! `Display` for logs, and a Chinese message for the admin who uploaded the form, naming the
//! character position (counted in characters, from 1) or the name at fault.

use super::{MAX_BYTES, MAX_DEPTH};

/// An expression that cannot be used. Positions count characters from 1, as an admin
/// counts them in the spreadsheet cell; a position one past the last character means "at the
/// end".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExprError {
    #[error("expr_too_long: {bytes} bytes (at most {MAX_BYTES})")]
    TooLong { bytes: usize },
    #[error("expr_too_deep at character {at}: nested deeper than {MAX_DEPTH}")]
    TooDeep { at: usize },
    #[error("expr_syntax at character {at}: {problem:?}")]
    Syntax { at: usize, problem: Syntax },
    #[error("expr_unknown_function at character {at}: {name}()")]
    UnknownFunction { at: usize, name: String },
    #[error("expr_arity at character {at}: {function}() takes {least} to {most} arguments, got {got}")]
    Arity { at: usize, function: &'static str, least: usize, most: usize, got: usize },
    #[error("expr_unknown_field: ${{{name}}}")]
    UnknownField { name: String },
}

/// What is wrong with the text of an expression. `found` is the piece of the expression
/// met instead (shortened), `None` at the end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Syntax {
    Empty,
    UnexpectedChar(char),
    /// A full-width symbol typed with a Chinese input method, and the ASCII one meant.
    FullWidth {
        found: char,
        ascii: char,
    },
    UnterminatedString,
    UnclosedReference,
    BadReferenceName(String),
    NumberOutOfRange,
    /// A bare word: neither a function call nor an operator (`yes` for `'yes'`, `q` for `${q}`).
    BareName(String),
    CallWithoutParens(String),
    ExpectedOperand {
        found: Option<String>,
    },
    MissingCloseParen {
        open_at: usize,
        found: Option<String>,
    },
    ExpectedCommaOrCloseParen {
        function: &'static str,
        found: Option<String>,
    },
    Unexpected(String),
}

impl ExprError {
    /// A stable code; never changes once published.
    pub fn code(&self) -> &'static str {
        match self {
            ExprError::TooLong { .. } => "expr_too_long",
            ExprError::TooDeep { .. } => "expr_too_deep",
            ExprError::Syntax { .. } => "expr_syntax",
            ExprError::UnknownFunction { .. } => "expr_unknown_function",
            ExprError::Arity { .. } => "expr_arity",
            ExprError::UnknownField { .. } => "expr_unknown_field",
        }
    }

    /// Where in the expression (characters from 1), when the error has a place.
    pub fn position(&self) -> Option<usize> {
        match self {
            ExprError::TooDeep { at }
            | ExprError::Syntax { at, .. }
            | ExprError::UnknownFunction { at, .. }
            | ExprError::Arity { at, .. } => Some(*at),
            ExprError::TooLong { .. } | ExprError::UnknownField { .. } => None,
        }
    }

    /// What the admin reads: Chinese, naming the position or the name.
    pub fn message_zh(&self) -> String {
        match self {
            ExprError::TooLong { bytes } => format!("表达式过长（{bytes} 字节），最多允许 {MAX_BYTES} 字节，请简化"),
            ExprError::TooDeep { at } => {
                format!("表达式第{at}个字符处嵌套或连续运算过深（超过 {MAX_DEPTH} 层），请简化表达式")
            }
            ExprError::Syntax { at, problem } => syntax_zh(*at, problem),
            ExprError::UnknownFunction { at, name } => format!("表达式第{at}个字符处的函数 {name}() 不受支持"),
            ExprError::Arity { at, function, least, most, got } => {
                // Every range of arguments is two neighbours (0 or 1, 1 or 2); concat takes any.
                let expected = if least == most { least.to_string() } else { format!("{least} 或 {most}") };
                format!("表达式第{at}个字符处的函数 {function}() 需要 {expected} 个参数，实际给了 {got} 个")
            }
            ExprError::UnknownField { name } => format!("表达式引用了表单中不存在的问题 ${{{name}}}"),
        }
    }
}

fn syntax_zh(at: usize, problem: &Syntax) -> String {
    let end = |found: &Option<String>| match found {
        Some(f) => format!("（遇到“{f}”）"),
        None => "（已到末尾）".to_owned(),
    };
    match problem {
        Syntax::Empty => "表达式为空".to_owned(),
        Syntax::UnexpectedChar(c) => format!("表达式第{at}个字符处有无法识别的符号“{}”", c.escape_debug()),
        Syntax::FullWidth { found, ascii } => {
            format!("表达式第{at}个字符处是全角符号“{found}”，请改用半角符号“{ascii}”")
        }
        Syntax::UnterminatedString => format!("表达式第{at}个字符处开始的文字缺少结束引号"),
        Syntax::UnclosedReference => format!("表达式第{at}个字符处的问题引用缺少右花括号“}}”"),
        Syntax::BadReferenceName(name) if name.is_empty() => {
            format!("表达式第{at}个字符处的问题引用 ${{}} 缺少问题名称")
        }
        Syntax::BadReferenceName(name) => {
            format!("表达式第{at}个字符处的问题引用 ${{{name}}} 不是合法的问题名称")
        }
        Syntax::NumberOutOfRange => format!("表达式第{at}个字符处的数字超出范围"),
        Syntax::BareName(name) => {
            format!("表达式第{at}个字符处的“{name}”无法识别：文字要加引号（如 '{name}'），引用问题要写成 ${{{name}}}")
        }
        Syntax::CallWithoutParens(name) => {
            format!("表达式第{at}个字符处的函数 {name} 后面缺少括号，应写成 {name}(…)")
        }
        Syntax::ExpectedOperand { found } => format!("表达式第{at}个字符处缺少运算对象{}", end(found)),
        Syntax::MissingCloseParen { open_at, found } => {
            format!("表达式第{at}个字符处缺少右括号{}，与第{open_at}个字符处的左括号配对", end(found))
        }
        Syntax::ExpectedCommaOrCloseParen { function, found } => {
            format!("表达式第{at}个字符处应为逗号或右括号{}：函数 {function}() 的参数之间用逗号分隔", end(found))
        }
        Syntax::Unexpected(found) => format!("表达式第{at}个字符处多出了“{found}”"),
    }
}

/// An expression error reaching core's callers is invalid input; the code and position stay
/// in the detail for logs.
impl From<ExprError> for crate::Error {
    fn from(e: ExprError) -> Self {
        crate::Error::Invalid { field: "expression", why: e.message_zh(), detail: e.to_string() }
    }
}
