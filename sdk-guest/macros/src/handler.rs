//! `#[handler]`: checks a handler's signature and registers it under a name.
//!
//! Next to the function it emits a hidden struct, `__kiln_handler_<name>`,
//! implementing `kiln_sdk::__private::Handler`; `export_app!(path::summary)`
//! reaches it as `path::__kiln_handler_summary`, so a handler can be listed by
//! its function's path (as Rocket's `routes!` does) while the prefix keeps the
//! struct from clashing with a module or type of the same name.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{FnArg, Item, ItemFn, LitStr, ReturnType, Type};

pub fn expand(args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let name = parse_args(args)?;
    let function = match syn::parse2::<Item>(item)? {
        Item::Fn(function) => function,
        other => {
            return Err(syn::Error::new(
                other.span(),
                "#[kiln_sdk::handler] goes on a function: `fn name(payload: T, ctx: &Context) -> Result<U, AppError>`",
            ));
        }
    };
    check_signature(&function)?;

    let ident = &function.sig.ident;
    let marker = marker_ident(ident);
    let vis = &function.vis;
    let name = name.unwrap_or_else(|| LitStr::new(&ident.to_string(), ident.span()));
    let call = if function.sig.inputs.len() == 2 {
        quote_spanned! {ident.span()=> |__kiln_input| #ident(__kiln_input, __kiln_context) }
    } else {
        quote_spanned! {ident.span()=> |__kiln_input| { let _ = __kiln_context; #ident(__kiln_input) } }
    };

    Ok(quote! {
        #function

        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code)]
        #vis struct #marker {}

        impl ::kiln_sdk::__private::Handler for #marker {
            const NAME: &'static str = #name;

            fn call(
                __kiln_payload: &::core::primitive::str,
                __kiln_context: &::kiln_sdk::Context,
            ) -> ::core::result::Result<::std::string::String, ::kiln_sdk::AppError> {
                ::kiln_sdk::__private::invoke(__kiln_payload, #call)
            }
        }
    })
}

/// The hidden type `#[handler]` puts next to the function `ident`; the
/// parameters of its `call` are prefixed alike, so no handler name can shadow
/// them.
pub fn marker_ident(ident: &syn::Ident) -> syn::Ident {
    let name = ident.to_string();
    let name = name.strip_prefix("r#").unwrap_or(&name);
    syn::Ident::new(&format!("__kiln_handler_{name}"), ident.span())
}

/// Parses `name = "..."`, the only argument.
fn parse_args(args: TokenStream) -> syn::Result<Option<LitStr>> {
    let mut name = None;
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("name") {
            if name.is_some() {
                return Err(meta.error("`name` is given twice"));
            }
            let value: LitStr = meta.value()?.parse()?;
            let text = value.value();
            if text.is_empty() || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(syn::Error::new(
                    value.span(),
                    "a handler name must be non-empty, without spaces or control characters",
                ));
            }
            name = Some(value);
            Ok(())
        } else {
            Err(meta.error("unknown argument; #[kiln_sdk::handler] accepts only `name = \"...\"`"))
        }
    });
    syn::parse::Parser::parse2(parser, args)?;
    Ok(name)
}

fn check_signature(function: &ItemFn) -> syn::Result<()> {
    let sig = &function.sig;
    let refuse = |span: proc_macro2::Span, message: &str| Err(syn::Error::new(span, message));
    if let Some(token) = &sig.asyncness {
        return refuse(
            token.span(),
            "a handler cannot be `async`: the host calls it synchronously and each request blocks",
        );
    }
    if let Some(token) = &sig.unsafety {
        return refuse(token.span(), "a handler cannot be `unsafe`");
    }
    if let Some(abi) = &sig.abi {
        return refuse(abi.span(), "a handler cannot declare an ABI");
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        return refuse(
            sig.generics.span(),
            "a handler cannot be generic: the payload and result types must be concrete to be (de)serialised",
        );
    }
    if let Some(variadic) = &sig.variadic {
        return refuse(variadic.span(), "a handler cannot be variadic");
    }
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(receiver) => {
                return refuse(
                    receiver.span(),
                    "a handler is a free function, not a method",
                );
            }
            FnArg::Typed(typed) => {
                if let Type::ImplTrait(_) = *typed.ty {
                    return refuse(
                        typed.ty.span(),
                        "a handler cannot take `impl Trait`: name a concrete type",
                    );
                }
            }
        }
    }
    if sig.inputs.is_empty() || sig.inputs.len() > 2 {
        let span = if sig.inputs.is_empty() {
            sig.paren_token.span.join()
        } else {
            sig.inputs.span()
        };
        return refuse(
            span,
            "a handler takes the payload and optionally the context: `(payload: T)` or `(payload: T, ctx: &Context)`",
        );
    }
    if let ReturnType::Default = sig.output {
        return refuse(
            sig.ident.span(),
            "a handler returns `Result<T, E>` where `T: Serialize` and `AppError: From<E>`",
        );
    }
    Ok(())
}
