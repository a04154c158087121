//! Precedence climbing over the tokens. XPath's levels, lowest first: `or`, `and`, `=` `!=`,
//! `<` `<=` `>` `>=`, `+` `-`, `*` `div` `mod`; then unary `-`, then literals, references,
//! calls and parentheses. Binary operators associate to the left; a chain of `and` (or of
//! `or`) becomes one node.
//!
//! Two limits keep hostile input from exhausting the stack: the parser's own nesting
//! (parentheses, arguments, unary minus) and the height of the tree it builds (which
//! evaluation walks recursively) are both at most `MAX_DEPTH`.

use super::ast::{BinOp, Func, Node};
use super::error::{ExprError, Syntax};
use super::lexer::{self, Tok, Token};
use super::{MAX_BYTES, MAX_DEPTH};

/// A parsed subtree and its height (a leaf is 1).
type Parsed = (Node, usize);

pub(super) fn parse(src: &str) -> Result<Node, ExprError> {
    if src.len() > MAX_BYTES {
        return Err(ExprError::TooLong { bytes: src.len() });
    }
    let tokens = lexer::tokens(src)?;
    if tokens.is_empty() {
        return Err(ExprError::Syntax { at: 1, problem: Syntax::Empty });
    }
    let mut parser = Parser { src, tokens, pos: 0, depth: 0, end_at: src.chars().count() + 1 };
    let (node, _) = parser.expr(0)?;
    match parser.peek() {
        None => Ok(node),
        Some(t) => Err(ExprError::Syntax { at: t.at, problem: Syntax::Unexpected(parser.quote(t)) }),
    }
}

/// An infix operator: a chain (`and`, `or`) or a binary one.
#[derive(Clone, Copy, PartialEq)]
enum Infix {
    Or,
    And,
    Binary(BinOp),
}

impl Infix {
    fn of(tok: &Tok) -> Option<Infix> {
        let op = match tok {
            Tok::Name(n) if n == "or" => return Some(Infix::Or),
            Tok::Name(n) if n == "and" => return Some(Infix::And),
            Tok::Eq => BinOp::Eq,
            Tok::Ne => BinOp::Ne,
            Tok::Lt => BinOp::Lt,
            Tok::Le => BinOp::Le,
            Tok::Gt => BinOp::Gt,
            Tok::Ge => BinOp::Ge,
            Tok::Plus => BinOp::Add,
            Tok::Minus => BinOp::Sub,
            Tok::Star => BinOp::Mul,
            Tok::Name(n) if n == "div" => BinOp::Div,
            Tok::Name(n) if n == "mod" => BinOp::Mod,
            _ => return None,
        };
        Some(Infix::Binary(op))
    }

    /// XPath 1.0's precedence: higher binds tighter.
    fn precedence(self) -> u8 {
        match self {
            Infix::Or => 1,
            Infix::And => 2,
            Infix::Binary(BinOp::Eq | BinOp::Ne) => 3,
            Infix::Binary(BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge) => 4,
            Infix::Binary(BinOp::Add | BinOp::Sub) => 5,
            Infix::Binary(BinOp::Mul | BinOp::Div | BinOp::Mod) => 6,
        }
    }
}

struct Parser<'a> {
    src: &'a str,
    tokens: Vec<Token>,
    pos: usize,
    /// Nesting of the recursion: groups, arguments and unary minus.
    depth: usize,
    /// The position reported for "at the end".
    end_at: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn peek_tok(&self) -> Option<&Tok> {
        self.peek().map(|t| &t.tok)
    }

    /// Where the next token starts, or the end.
    fn here(&self) -> usize {
        self.peek().map_or(self.end_at, |t| t.at)
    }

    /// The next token as the admin typed it (shortened), `None` at the end.
    fn found(&self) -> Option<String> {
        self.peek().map(|t| self.quote(t))
    }

    fn quote(&self, t: &Token) -> String {
        const SHOWN: usize = 20;
        let text = self.src.get(t.bytes.0..t.bytes.1).unwrap_or_default();
        if text.chars().count() > SHOWN {
            format!("{}…", text.chars().take(SHOWN).collect::<String>())
        } else {
            text.into()
        }
    }

    fn syntax(&self, problem: Syntax) -> ExprError {
        ExprError::Syntax { at: self.here(), problem }
    }

    /// Runs `inner` one nesting level down; `at` is where the level opens.
    fn nested(&mut self, at: usize, inner: fn(&mut Self) -> Result<Parsed, ExprError>) -> Result<Parsed, ExprError> {
        if self.depth >= MAX_DEPTH {
            return Err(ExprError::TooDeep { at });
        }
        self.depth += 1;
        let parsed = inner(self)?;
        self.depth -= 1;
        Ok(parsed)
    }

    fn check_height(height: usize, at: usize) -> Result<(), ExprError> {
        if height > MAX_DEPTH { Err(ExprError::TooDeep { at }) } else { Ok(()) }
    }

    fn full_expr(&mut self) -> Result<Parsed, ExprError> {
        self.expr(0)
    }

    /// An expression whose operators all bind at least as tightly as `min`.
    fn expr(&mut self, min: u8) -> Result<Parsed, ExprError> {
        let (mut left, mut height) = self.unary()?;
        // Whether `left` is a chain this loop is still building (so `a or b or c` is one node,
        // while `(a or b)` met as an operand stays whole).
        let mut chain_open = false;
        while let Some((infix, at)) = self.peek().and_then(|t| Infix::of(&t.tok).map(|i| (i, t.at))) {
            let precedence = infix.precedence();
            if precedence < min {
                break;
            }
            self.pos += 1;
            let (right, h) = self.expr(precedence + 1)?;
            (left, height) = match (infix, left) {
                (Infix::Or, Node::Or(mut items)) | (Infix::And, Node::And(mut items)) if chain_open => {
                    items.push(right);
                    let node = if infix == Infix::Or { Node::Or(items) } else { Node::And(items) };
                    (node, height.max(h + 1))
                }
                (Infix::Or, l) => {
                    chain_open = true;
                    (Node::Or(vec![l, right]), 1 + height.max(h))
                }
                (Infix::And, l) => {
                    chain_open = true;
                    (Node::And(vec![l, right]), 1 + height.max(h))
                }
                (Infix::Binary(op), l) => {
                    chain_open = false;
                    (Node::Binary(op, Box::new(l), Box::new(right)), 1 + height.max(h))
                }
            };
            Self::check_height(height, at)?;
        }
        Ok((left, height))
    }

    fn unary(&mut self) -> Result<Parsed, ExprError> {
        if self.peek_tok() != Some(&Tok::Minus) {
            return self.primary();
        }
        let at = self.here();
        self.pos += 1;
        let (inner, h) = self.nested(at, Self::unary)?;
        Self::check_height(h + 1, at)?;
        Ok((Node::Neg(Box::new(inner)), h + 1))
    }

    fn primary(&mut self) -> Result<Parsed, ExprError> {
        let Some(token) = self.peek().cloned() else {
            return Err(self.syntax(Syntax::ExpectedOperand { found: None }));
        };
        let leaf = match token.tok {
            Tok::Num(n) => Node::Num(n),
            Tok::Str(s) => Node::Str(s),
            Tok::Ref(name) => Node::Ref(name),
            Tok::Dot => Node::Current,
            Tok::LParen => return self.group(token.at),
            Tok::Name(name) => return self.call(token.at, name),
            _ => return Err(self.syntax(Syntax::ExpectedOperand { found: self.found() })),
        };
        self.pos += 1;
        Ok((leaf, 1))
    }

    fn group(&mut self, open_at: usize) -> Result<Parsed, ExprError> {
        self.pos += 1;
        let parsed = self.nested(open_at, Self::full_expr)?;
        self.close_paren(open_at)?;
        Ok(parsed)
    }

    fn close_paren(&mut self, open_at: usize) -> Result<(), ExprError> {
        if self.peek_tok() == Some(&Tok::RParen) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.syntax(Syntax::MissingCloseParen { open_at, found: self.found() }))
        }
    }

    /// A word in operand position: a call, or a mistake worth naming.
    fn call(&mut self, at: usize, name: String) -> Result<Parsed, ExprError> {
        let is_operator = matches!(name.as_str(), "and" | "or" | "div" | "mod");
        let open = self.tokens.get(self.pos + 1).is_some_and(|t| t.tok == Tok::LParen);
        let func = match (Func::by_name(&name), open) {
            _ if is_operator => return Err(self.syntax(Syntax::ExpectedOperand { found: self.found() })),
            (Some(func), true) => func,
            (Some(_), false) => return Err(ExprError::Syntax { at, problem: Syntax::CallWithoutParens(name) }),
            (None, true) => return Err(ExprError::UnknownFunction { at, name }),
            (None, false) => return Err(ExprError::Syntax { at, problem: Syntax::BareName(name) }),
        };
        let open_at = self.tokens.get(self.pos + 1).map_or(at, |t| t.at);
        self.pos += 2;
        let mut args = Vec::new();
        let mut height = 0;
        if self.peek_tok() == Some(&Tok::RParen) {
            self.pos += 1;
        } else {
            loop {
                let (arg, h) = self.nested(self.here(), Self::full_expr)?;
                args.push(arg);
                height = height.max(h);
                match self.peek_tok() {
                    Some(Tok::Comma) => self.pos += 1,
                    Some(Tok::RParen) => {
                        self.pos += 1;
                        break;
                    }
                    None => return Err(self.syntax(Syntax::MissingCloseParen { open_at, found: None })),
                    Some(_) => {
                        let found = self.found();
                        return Err(self.syntax(Syntax::ExpectedCommaOrCloseParen { function: func.name(), found }));
                    }
                }
            }
        }
        let (least, most) = func.arity();
        if args.len() < least || args.len() > most {
            return Err(ExprError::Arity { at, function: func.name(), least, most, got: args.len() });
        }
        Self::check_height(height + 1, at)?;
        Ok((Node::Call(func, args), height + 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(n: f64) -> Box<Node> {
        Box::new(Node::Num(n))
    }

    #[test]
    fn multiplication_binds_tighter_than_addition_and_minus_is_left_associative() {
        let tree = parse("1 - 2 - 3 * 4").unwrap();
        let left = Node::Binary(BinOp::Sub, num(1.0), num(2.0));
        let right = Node::Binary(BinOp::Mul, num(3.0), num(4.0));
        assert_eq!(tree, Node::Binary(BinOp::Sub, Box::new(left), Box::new(right)));
    }

    #[test]
    fn chains_of_or_are_one_node() {
        let tree = parse("1 or 2 or 3 and 4").unwrap();
        let and = Node::And(vec![Node::Num(3.0), Node::Num(4.0)]);
        assert_eq!(tree, Node::Or(vec![Node::Num(1.0), Node::Num(2.0), and]));
    }

    #[test]
    fn unary_minus_binds_tighter_than_multiplication() {
        let tree = parse("-2 * 3").unwrap();
        assert_eq!(tree, Node::Binary(BinOp::Mul, Box::new(Node::Neg(num(2.0))), num(3.0)));
    }

    #[test]
    fn a_long_or_chain_is_not_too_deep_but_a_long_sum_is() {
        let ors = vec!["${a} = 1"; 300].join(" or ");
        assert!(parse(&ors).is_ok());
        let sum = vec!["1"; MAX_DEPTH + 1].join(" + ");
        assert!(matches!(parse(&sum), Err(ExprError::TooDeep { .. })));
        let sum = vec!["1"; MAX_DEPTH].join(" + ");
        assert!(parse(&sum).is_ok());
    }
}
