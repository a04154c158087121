//! The parsed form of an expression, and its printing back as text that parses to the same
//! tree (every operation in parentheses).

use std::fmt::{self, Display, Formatter, Write};

/// A node of a parsed expression. Only `Expr::parse` builds them, within the length and
/// depth limits; read them, for example, to analyse a form.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A number literal (never negative: `-1` is `Neg(Num(1))`).
    Num(f64),
    Str(String),
    /// `${name}`
    Ref(String),
    /// `.`
    Current,
    /// Unary minus.
    Neg(Box<Node>),
    Binary(BinOp, Box<Node>, Box<Node>),
    /// `a and b and c`: a chain is one node, so long chains do not make the tree deep.
    And(Vec<Node>),
    Or(Vec<Node>),
    Call(Func, Vec<Node>),
}

impl Node {
    /// Calls `visit` on this node and on every node below it.
    pub fn walk(&self, visit: &mut dyn FnMut(&Node)) {
        visit(self);
        match self {
            Node::Neg(inner) => inner.walk(visit),
            Node::Binary(_, left, right) => {
                left.walk(visit);
                right.walk(visit);
            }
            Node::And(items) | Node::Or(items) | Node::Call(_, items) => items.iter().for_each(|item| item.walk(visit)),
            Node::Num(_) | Node::Str(_) | Node::Ref(_) | Node::Current => {}
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Eq => "=",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "div",
            BinOp::Mod => "mod",
        }
    }
}

/// The functions a form may call: the subset of XPath 1.0 and ODK's extensions that the
/// question types core accepts need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    True,
    False,
    Not,
    Selected,
    CountSelected,
    StringLength,
    String,
    Number,
    Int,
    Round,
    If,
    Concat,
    Contains,
}

impl Func {
    pub const ALL: [Func; 13] = [
        Func::True,
        Func::False,
        Func::Not,
        Func::Selected,
        Func::CountSelected,
        Func::StringLength,
        Func::String,
        Func::Number,
        Func::Int,
        Func::Round,
        Func::If,
        Func::Concat,
        Func::Contains,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Func::True => "true",
            Func::False => "false",
            Func::Not => "not",
            Func::Selected => "selected",
            Func::CountSelected => "count-selected",
            Func::StringLength => "string-length",
            Func::String => "string",
            Func::Number => "number",
            Func::Int => "int",
            Func::Round => "round",
            Func::If => "if",
            Func::Concat => "concat",
            Func::Contains => "contains",
        }
    }

    pub fn by_name(name: &str) -> Option<Func> {
        Func::ALL.into_iter().find(|f| f.name() == name)
    }

    /// How many arguments it takes: (least, most).
    pub fn arity(self) -> (usize, usize) {
        match self {
            Func::True | Func::False => (0, 0),
            Func::Not | Func::CountSelected | Func::String | Func::Number | Func::Int => (1, 1),
            // With no argument: the current question's value, as XPath and ODK have it.
            Func::StringLength => (0, 1),
            Func::Round => (1, 2),
            Func::Selected | Func::Contains => (2, 2),
            Func::If => (3, 3),
            Func::Concat => (0, usize::MAX),
        }
    }
}

impl Display for Node {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            // `Display` for f64 is exact and never uses an exponent; literals are finite.
            Node::Num(n) => write!(f, "{n}"),
            Node::Str(s) => write_string(f, s),
            Node::Ref(name) => write!(f, "${{{name}}}"),
            Node::Current => f.write_char('.'),
            Node::Neg(inner) => write!(f, "-{inner}"),
            Node::Binary(op, l, r) => write!(f, "({l} {} {r})", op.symbol()),
            Node::And(items) => write_chain(f, items, " and "),
            Node::Or(items) => write_chain(f, items, " or "),
            Node::Call(func, args) => {
                write!(f, "{}(", func.name())?;
                write_list(f, args, ", ")?;
                f.write_char(')')
            }
        }
    }
}

fn write_chain(f: &mut Formatter<'_>, items: &[Node], sep: &str) -> fmt::Result {
    f.write_char('(')?;
    write_list(f, items, sep)?;
    f.write_char(')')
}

fn write_list(f: &mut Formatter<'_>, items: &[Node], sep: &str) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(sep)?;
        }
        write!(f, "{item}")?;
    }
    Ok(())
}

/// XPath 1.0 strings have no escapes: quote with the mark the text does not hold. Text
/// holding both (never from the parser) is written as a `concat` of pieces.
fn write_string(f: &mut Formatter<'_>, s: &str) -> fmt::Result {
    if !s.contains('\'') {
        write!(f, "'{s}'")
    } else if !s.contains('"') {
        write!(f, "\"{s}\"")
    } else {
        f.write_str("concat(")?;
        for (i, piece) in s.split('\'').enumerate() {
            if i > 0 {
                f.write_str(", \"'\", ")?;
            }
            write!(f, "'{piece}'")?;
        }
        f.write_char(')')
    }
}
