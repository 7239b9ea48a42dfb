//! `export_app!(a, b::c)`: implements the WIT `handler` export by dispatching
//! on the handler name.

use std::collections::HashSet;

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Path, PathArguments, Token};

use crate::handler::marker_ident;

pub fn expand(input: TokenStream) -> syn::Result<TokenStream> {
    let handlers = Punctuated::<Path, Token![,]>::parse_terminated.parse2(input)?;
    if handlers.is_empty() {
        return Err(syn::Error::new(
            proc_macro2::Span::call_site(),
            "export_app! needs the app's handlers: `kiln_sdk::export_app!(summary, triage);`",
        ));
    }
    let mut seen = HashSet::new();
    for handler in &handlers {
        let key = handler.to_token_stream().to_string();
        if !seen.insert(key) {
            return Err(syn::Error::new_spanned(
                handler,
                "this handler is already listed in export_app!",
            ));
        }
    }
    let handlers: Vec<Path> = handlers
        .iter()
        .map(marker_path)
        .collect::<syn::Result<_>>()?;
    let count = handlers.len();

    Ok(quote! {
        const _: () = {
            const __KILN_NAMES: [&::core::primitive::str; #count] = [
                #(<#handlers as ::kiln_sdk::__private::Handler>::NAME),*
            ];
            ::core::assert!(
                ::kiln_sdk::__private::names_are_unique(&__KILN_NAMES),
                "two handlers in export_app! share a name; rename one with #[kiln_sdk::handler(name = \"...\")]"
            );
            ::core::assert!(
                ::kiln_sdk::__private::names_are_single_lines(&__KILN_NAMES),
                "a handler's name may not hold a line break"
            );

            // The names, for the host to check the manifest's handlers
            // against at load (`kiln_sdk::__private::HANDLERS_SECTION`).
            const __KILN_SECTION_LEN: usize =
                ::kiln_sdk::__private::handlers_section_len(&__KILN_NAMES);
            #[cfg(target_family = "wasm")]
            #[unsafe(link_section = "kiln-handlers")]
            #[used]
            static __KILN_HANDLERS: [u8; __KILN_SECTION_LEN] =
                ::kiln_sdk::__private::handlers_section::<__KILN_SECTION_LEN>(&__KILN_NAMES);

            struct __KilnApp;

            impl ::kiln_sdk::bindings::exports::kiln::app::handler::Guest for __KilnApp {
                fn handle(
                    handler: ::std::string::String,
                    payload: ::std::string::String,
                    context: ::kiln_sdk::bindings::kiln::app::types::Context,
                ) -> ::core::result::Result<
                    ::std::string::String,
                    ::kiln_sdk::bindings::kiln::app::types::AppError,
                > {
                    let entries: [::kiln_sdk::__private::Entry; #count] = [
                        #((
                            <#handlers as ::kiln_sdk::__private::Handler>::NAME,
                            <#handlers as ::kiln_sdk::__private::Handler>::call
                                as ::kiln_sdk::__private::EntryFn,
                        )),*
                    ];
                    ::kiln_sdk::__private::dispatch(&entries, &handler, &payload, context)
                }
            }

            ::kiln_sdk::bindings::__export_kiln_app!(__KilnApp);
        };
    })
}

/// `a::b::summary` -> `a::b::__kiln_handler_summary`, the type `#[handler]`
/// generated for the function.
fn marker_path(handler: &Path) -> syn::Result<Path> {
    let mut path = handler.clone();
    let Some(last) = path.segments.last_mut() else {
        return Err(syn::Error::new_spanned(
            handler,
            "expected a handler function's path",
        ));
    };
    if !matches!(last.arguments, PathArguments::None) {
        return Err(syn::Error::new_spanned(
            &last.arguments,
            "a handler is listed by its function's path, without generic arguments",
        ));
    }
    last.ident = marker_ident(&last.ident);
    Ok(path)
}
