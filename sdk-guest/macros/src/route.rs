//! `route!("/rest/api/3/issue/{}/comment", key)`: a path whose interpolated
//! values are each encoded as one segment.
//!
//! The literal parts are checked at compile time by a `const` call of
//! `Route::from_static` (one set of rules, in the SDK), so a bad template is a
//! compile error; the values are encoded and checked at run time.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Expr, ExprLit, Ident, Lit, LitStr, Token};

/// Stands in for each value when the template's literal parts are checked: a
/// plain segment character, so only the literal parts can fail.
const SAMPLE_VALUE: &str = "x";

struct Input {
    template: LitStr,
    args: Vec<Expr>,
}

impl Parse for Input {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.is_empty() {
            return Err(input
                .error("route! needs a path template: `route!(\"/rest/api/3/issue/{}\", key)`"));
        }
        let template: LitStr = input.parse().map_err(|error| {
            syn::Error::new(
                error.span(),
                "route! takes a string literal template first, like format!",
            )
        })?;
        let mut args = Vec::new();
        if !input.is_empty() {
            input.parse::<Token![,]>()?;
            args = Punctuated::<Expr, Token![,]>::parse_terminated(input)?
                .into_iter()
                .collect();
        }
        Ok(Input { template, args })
    }
}

enum Placeholder {
    Next,
    Captured(String),
}

pub fn expand(input: TokenStream) -> syn::Result<TokenStream> {
    let Input { template, args } = syn::parse2(input)?;
    refuse_query(&template, !args.is_empty())?;
    let (pieces, placeholders) = split(&template)?;

    let positional = placeholders
        .iter()
        .filter(|p| matches!(p, Placeholder::Next))
        .count();
    if positional != args.len() {
        let span = args
            .get(positional)
            .map(syn::spanned::Spanned::span)
            .unwrap_or_else(|| template.span());
        return Err(syn::Error::new(
            span,
            format!(
                "the template has {positional} `{{}}` placeholder(s) but route! got {} value(s)",
                args.len()
            ),
        ));
    }
    for arg in &args {
        refuse_literal_dot(arg)?;
    }

    if placeholders.is_empty() {
        return Ok(quote! {{
            const ROUTE: ::kiln_sdk::Route = ::kiln_sdk::Route::from_static(#template);
            ROUTE
        }});
    }

    let sample = LitStr::new(&pieces.join(SAMPLE_VALUE), template.span());
    let mut args = args.into_iter();
    let values: Vec<TokenStream> = placeholders
        .into_iter()
        .map(|placeholder| match placeholder {
            Placeholder::Next => {
                let arg = args.next();
                quote! { #arg }
            }
            Placeholder::Captured(name) => {
                let ident = Ident::new(&name, template.span());
                quote! { #ident }
            }
        })
        .collect();
    let pieces = pieces
        .iter()
        .map(|piece| LitStr::new(piece, template.span()));

    Ok(quote! {{
        const _: ::kiln_sdk::Route = ::kiln_sdk::Route::from_static(#sample);
        ::kiln_sdk::Route::__from_template(
            &[#(#pieces),*],
            &[#(&(#values) as &dyn ::core::fmt::Display),*],
        )
    }})
}

/// A `?` would start a query, which the host builds itself from the request's
/// parameters; the general "forbidden character" error would not say where
/// the query belongs, so this one does.
fn refuse_query(template: &LitStr, has_values: bool) -> syn::Result<()> {
    let text = template.value();
    // A `?` inside braces is a (refused) format spec like `{:?}`, not a query.
    let mut in_braces = false;
    let start = text.char_indices().find_map(|(at, c)| {
        match c {
            '{' => in_braces = true,
            '}' => in_braces = false,
            '?' if !in_braces => return Some(at),
            _ => {}
        }
        None
    });
    let Some(start) = start else {
        return Ok(());
    };
    let (path, query) = (&text[..start], &text[start + 1..]);
    let example = query
        .split('&')
        .next()
        .and_then(|pair| pair.split_once('='))
        .map_or_else(
            || String::from(".query(name, value)"),
            |(name, value)| format!(".query({name:?}, {value:?})"),
        );
    let values = if has_values { ", …)?" } else { ")" };
    Err(syn::Error::new(
        template.span(),
        format!(
            "route! takes a path only; add query parameters on the request instead: `.get(route!({path:?}{values}){example}`"
        ),
    ))
}

/// Splits the template at its placeholders: `n` placeholders give `n + 1`
/// literal pieces.
fn split(template: &LitStr) -> syn::Result<(Vec<String>, Vec<Placeholder>)> {
    let text = template.value();
    let mut pieces = vec![String::new()];
    let mut placeholders = Vec::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '{' => {
                let mut inner = String::new();
                let mut closed = false;
                for c in chars.by_ref() {
                    if c == '}' {
                        closed = true;
                        break;
                    }
                    inner.push(c);
                }
                if !closed {
                    return Err(syn::Error::new(
                        template.span(),
                        "unclosed `{` in the route template; braces only mark placeholders (`{}` or `{name}`)",
                    ));
                }
                placeholders.push(placeholder(&inner, template.span())?);
                pieces.push(String::new());
            }
            '}' => {
                return Err(syn::Error::new(
                    template.span(),
                    "unmatched `}` in the route template; braces only mark placeholders (`{}` or `{name}`)",
                ));
            }
            c => pieces.last_mut().map_or((), |piece| piece.push(c)),
        }
    }
    Ok((pieces, placeholders))
}

fn placeholder(inner: &str, span: Span) -> syn::Result<Placeholder> {
    if inner.is_empty() {
        return Ok(Placeholder::Next);
    }
    if syn::parse_str::<Ident>(inner).is_ok() {
        return Ok(Placeholder::Captured(inner.to_owned()));
    }
    Err(syn::Error::new(
        span,
        format!(
            "`{{{inner}}}` is not a route placeholder; use `{{}}` or `{{name}}` (no format specs: every value is encoded the same way)"
        ),
    ))
}

/// A literal value that would be `.`, `..` or empty is refused now rather
/// than at run time.
fn refuse_literal_dot(arg: &Expr) -> syn::Result<()> {
    if let Expr::Lit(ExprLit {
        lit: Lit::Str(value),
        ..
    }) = arg
    {
        let text = value.value();
        if text.is_empty() || text == "." || text == ".." {
            return Err(syn::Error::new(
                value.span(),
                format!(
                    "{text:?} cannot be a route segment: an empty, `.` or `..` segment would change which path is requested"
                ),
            ));
        }
    }
    Ok(())
}
