//! SCIM's filter language (RFC 7644 §3.4.2.2) parsed into the service's [`ScimFilter`]:
//! comparisons (`eq ne co sw ew gt ge lt le`), `pr`, `and` (binding tighter than `or`),
//! `not (…)`, parentheses and value paths (`emails[type eq "work"]`), over the attributes
//! rocketlite stores. Twenty lines of grammar; a parser crate would bring more than it saves.

use crate::service::{ScimAttr, ScimFilter, ScimOp, ScimValue};

/// Why a filter was refused; the text is SCIM's `detail`.
#[derive(Debug, PartialEq, Eq)]
pub struct FilterError(pub String);

/// The longest filter read, in bytes.
const MAX_LEN: usize = 4096;
/// How deep parentheses, `not` and value paths may nest.
const MAX_DEPTH: usize = 16;
/// How many comparisons one filter may hold.
const MAX_CLAUSES: usize = 64;

/// Parses `text`; attributes outside what rocketlite stores are refused, and so is a filter
/// beyond the bounds above (the parser, the evaluation and the tree's drop all recurse).
pub fn parse(text: &str) -> Result<ScimFilter, FilterError> {
    if text.len() > MAX_LEN {
        return Err(FilterError(format!("a filter has at most {MAX_LEN} bytes")));
    }
    let tokens = tokenize(text)?;
    let mut parser = Parser {
        tokens,
        at: 0,
        within: None,
        depth: 0,
        clauses: 0,
    };
    let filter = parser.or()?;
    match parser.peek() {
        None => Ok(filter),
        Some(token) => Err(FilterError(format!("unexpected {token:?} in the filter"))),
    }
}

/// The attribute a path names, outside or inside a value path (`within` = `emails`).
pub fn attribute(path: &str, within: Option<&str>) -> Option<ScimAttr> {
    let path = strip_urn(path).to_ascii_lowercase();
    let full = match within {
        Some(parent) => format!("{parent}.{path}"),
        None => path,
    };
    Some(match full.as_str() {
        "id" => ScimAttr::Id,
        "username" => ScimAttr::UserName,
        "displayname" => ScimAttr::DisplayName,
        "externalid" => ScimAttr::ExternalId,
        "active" => ScimAttr::Active,
        "emails" | "emails.value" => ScimAttr::EmailValue,
        "emails.type" => ScimAttr::EmailType,
        "meta.created" => ScimAttr::Created,
        "meta.lastmodified" => ScimAttr::LastModified,
        _ => return None,
    })
}

/// `urn:ietf:params:scim:schemas:core:2.0:User:userName` names `userName`.
pub fn strip_urn(path: &str) -> &str {
    const USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:user:";
    match path.get(..USER_URN.len()) {
        Some(prefix) if prefix.eq_ignore_ascii_case(USER_URN) => &path[USER_URN.len()..],
        _ => path,
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Word(String),
    Str(String),
    Number(f64),
    Open,
    Close,
    OpenBracket,
    CloseBracket,
}

fn tokenize(text: &str) -> Result<Vec<Token>, FilterError> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' | ')' | '[' | ']' => {
                chars.next();
                out.push(match c {
                    '(' => Token::Open,
                    ')' => Token::Close,
                    '[' => Token::OpenBracket,
                    _ => Token::CloseBracket,
                });
            }
            '"' => {
                // A JSON string: let serde_json read it, escapes and all.
                let mut end = None;
                let mut escaped = false;
                chars.next();
                for (i, c) in chars.by_ref() {
                    match (escaped, c) {
                        (true, _) => escaped = false,
                        (false, '\\') => escaped = true,
                        (false, '"') => {
                            end = Some(i);
                            break;
                        }
                        _ => {}
                    }
                }
                let end = end.ok_or_else(|| FilterError("unterminated string".into()))?;
                let value = serde_json::from_str(&text[start..=end])
                    .map_err(|_| FilterError("invalid string".into()))?;
                out.push(Token::Str(value));
            }
            _ => {
                let mut end = start;
                while let Some(&(i, c)) = chars.peek() {
                    if c.is_whitespace() || "()[]\"".contains(c) {
                        break;
                    }
                    end = i + c.len_utf8();
                    chars.next();
                }
                let word = &text[start..end];
                out.push(match word.parse::<f64>() {
                    Ok(n) if word.starts_with(|c: char| c.is_ascii_digit() || c == '-') => {
                        Token::Number(n)
                    }
                    _ => Token::Word(word.to_string()),
                });
            }
        }
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    /// Inside `emails[…]`: the attribute whose sub-attributes are named.
    within: Option<String>,
    depth: usize,
    clauses: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    fn expect(&mut self, token: Token) -> Result<(), FilterError> {
        match self.next() {
            Some(t) if t == token => Ok(()),
            other => Err(FilterError(format!("expected {token:?}, found {other:?}"))),
        }
    }

    /// One level deeper; refused beyond [`MAX_DEPTH`].
    fn nested(
        &mut self,
        inner: impl FnOnce(&mut Self) -> Result<ScimFilter, FilterError>,
    ) -> Result<ScimFilter, FilterError> {
        if self.depth == MAX_DEPTH {
            return Err(FilterError(format!(
                "a filter nests at most {MAX_DEPTH} deep"
            )));
        }
        self.depth += 1;
        let result = inner(self);
        self.depth -= 1;
        result
    }

    fn or(&mut self) -> Result<ScimFilter, FilterError> {
        let mut left = self.and()?;
        while self.keyword("or") {
            self.at += 1;
            left = ScimFilter::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<ScimFilter, FilterError> {
        let mut left = self.unary()?;
        while self.keyword("and") {
            self.at += 1;
            left = ScimFilter::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<ScimFilter, FilterError> {
        if self.keyword("not") {
            self.at += 1;
            self.expect(Token::Open)?;
            let inner = self.nested(Self::or)?;
            self.expect(Token::Close)?;
            return Ok(ScimFilter::Not(Box::new(inner)));
        }
        if self.peek() == Some(&Token::Open) {
            self.at += 1;
            let inner = self.nested(Self::or)?;
            self.expect(Token::Close)?;
            return Ok(inner);
        }
        let path = match self.next() {
            Some(Token::Word(path)) => path,
            other => {
                return Err(FilterError(format!(
                    "expected an attribute, found {other:?}"
                )));
            }
        };
        if self.peek() != Some(&Token::OpenBracket) {
            let attr = attribute(&path, self.within.as_deref())
                .ok_or_else(|| FilterError(format!("rocketlite cannot filter on {path}")))?;
            return self.comparison(attr);
        }
        // A value path: `emails[type eq "work"]`, optionally compared on a sub-attribute
        // (`emails[type eq "work"].value eq "a@b.c"`); one address must satisfy it all.
        let parent = strip_urn(&path).to_ascii_lowercase();
        if self.within.is_some() || parent != "emails" {
            return Err(FilterError(format!(
                "rocketlite cannot filter on {path}[…]"
            )));
        }
        self.at += 1;
        self.within = Some(parent);
        let inner = self.nested(Self::or);
        let inner = inner.and_then(|inner| {
            self.expect(Token::CloseBracket)?;
            match self.peek() {
                Some(Token::Word(w)) if w.starts_with('.') => {
                    let sub = w[1..].to_string();
                    self.at += 1;
                    let attr = attribute(&sub, self.within.as_deref())
                        .ok_or_else(|| FilterError(format!("rocketlite cannot filter on {sub}")))?;
                    let compared = self.comparison(attr)?;
                    Ok(ScimFilter::And(Box::new(inner), Box::new(compared)))
                }
                _ => Ok(inner),
            }
        });
        self.within = None;
        Ok(ScimFilter::AnyEmail(Box::new(inner?)))
    }

    /// `pr`, or an operator and a value, after `attr`.
    fn comparison(&mut self, attr: ScimAttr) -> Result<ScimFilter, FilterError> {
        self.clauses += 1;
        if self.clauses > MAX_CLAUSES {
            return Err(FilterError(format!(
                "a filter has at most {MAX_CLAUSES} comparisons"
            )));
        }
        let op = match self.next() {
            Some(Token::Word(op)) => op.to_ascii_lowercase(),
            other => {
                return Err(FilterError(format!(
                    "expected an operator, found {other:?}"
                )));
            }
        };
        let op = match op.as_str() {
            "pr" => return Ok(ScimFilter::Present(attr)),
            "eq" => ScimOp::Eq,
            "ne" => ScimOp::Ne,
            "co" => ScimOp::Co,
            "sw" => ScimOp::Sw,
            "ew" => ScimOp::Ew,
            "gt" => ScimOp::Gt,
            "ge" => ScimOp::Ge,
            "lt" => ScimOp::Lt,
            "le" => ScimOp::Le,
            other => return Err(FilterError(format!("unknown operator {other}"))),
        };
        let value = match self.next() {
            Some(Token::Str(s)) => ScimValue::Str(s),
            Some(Token::Number(n)) => ScimValue::Number(n),
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("true") => ScimValue::Bool(true),
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("false") => ScimValue::Bool(false),
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("null") => ScimValue::Null,
            other => return Err(FilterError(format!("expected a value, found {other:?}"))),
        };
        // RFC 7644 §3.4.2.2: booleans compare only for equality.
        if attr == ScimAttr::Active && !matches!(op, ScimOp::Eq | ScimOp::Ne) {
            return Err(FilterError("active compares only with eq and ne".into()));
        }
        Ok(ScimFilter::Compare(attr, op, value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_beyond_the_bounds_are_refused_not_overflowing_the_stack() {
        let deep = format!("{}active eq true{}", "(".repeat(2000), ")".repeat(2000));
        assert!(parse(&deep).is_err());
        let long = vec!["active eq true"; 65].join(" and ");
        assert!(parse(&long).is_err());
        let wide = vec!["active eq true"; 64].join(" or ");
        assert!(parse(&wide).is_ok());
        assert!(parse(&"x".repeat(5000)).is_err());
    }

    fn eq(attr: ScimAttr, value: &str) -> ScimFilter {
        ScimFilter::Compare(attr, ScimOp::Eq, ScimValue::Str(value.into()))
    }

    #[test]
    fn the_identity_providers_lookups_parse() {
        assert_eq!(
            parse(r#"userName eq "ada@example.org""#),
            Ok(eq(ScimAttr::UserName, "ada@example.org"))
        );
        assert_eq!(
            parse(r#"externalId EQ "00u1""#),
            Ok(eq(ScimAttr::ExternalId, "00u1"))
        );
        assert_eq!(
            parse("active eq false"),
            Ok(ScimFilter::Compare(
                ScimAttr::Active,
                ScimOp::Eq,
                ScimValue::Bool(false)
            ))
        );
        assert_eq!(
            parse(r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "a\"b""#),
            Ok(eq(ScimAttr::UserName, "a\"b"))
        );
    }

    #[test]
    fn and_binds_tighter_than_or_and_value_paths_name_sub_attributes() {
        let f = parse(r#"userName eq "a" or userName eq "b" and not (active eq true)"#).unwrap();
        let not_active = ScimFilter::Not(Box::new(ScimFilter::Compare(
            ScimAttr::Active,
            ScimOp::Eq,
            ScimValue::Bool(true),
        )));
        assert_eq!(
            f,
            ScimFilter::Or(
                Box::new(eq(ScimAttr::UserName, "a")),
                Box::new(ScimFilter::And(
                    Box::new(eq(ScimAttr::UserName, "b")),
                    Box::new(not_active)
                ))
            )
        );
        assert_eq!(
            parse(r#"emails[type eq "work"]"#),
            Ok(ScimFilter::AnyEmail(Box::new(eq(
                ScimAttr::EmailType,
                "work"
            ))))
        );
        assert_eq!(
            parse(r#"emails[type eq "work"].value eq "a@b.c""#),
            Ok(ScimFilter::AnyEmail(Box::new(ScimFilter::And(
                Box::new(eq(ScimAttr::EmailType, "work")),
                Box::new(eq(ScimAttr::EmailValue, "a@b.c"))
            ))))
        );
        assert_eq!(
            parse("meta.lastModified pr"),
            Ok(ScimFilter::Present(ScimAttr::LastModified))
        );
    }

    #[test]
    fn malformed_filters_and_unknown_attributes_are_refused() {
        for text in [
            "",
            "userName",
            r#"userName eq"#,
            r#"userName xx "a""#,
            r#"title eq "boss""#,
            r#"userName eq "a" and"#,
            r#"(userName eq "a""#,
            r#"userName eq "a"#,
            r#"emails[emails[value pr]]"#,
            r#"userName eq "a" )"#,
            "active gt true",
            r#"name[givenName eq "a"]"#,
        ] {
            assert!(parse(text).is_err(), "{text:?} was accepted");
        }
    }
}
