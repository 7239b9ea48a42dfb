//! Procedural macros of the Kiln SDK. Use them through `kiln_sdk`, which
//! documents them; every misuse is reported as a compile error at the
//! offending tokens, never as a panic.

mod export_app;
mod handler;
mod route;

use proc_macro::TokenStream;

/// See `kiln_sdk::handler`.
#[proc_macro_attribute]
pub fn handler(args: TokenStream, item: TokenStream) -> TokenStream {
    handler::expand(args.into(), item.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// See `kiln_sdk::export_app!`.
#[proc_macro]
pub fn export_app(input: TokenStream) -> TokenStream {
    export_app::expand(input.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// See `kiln_sdk::route!`.
#[proc_macro]
pub fn route(input: TokenStream) -> TokenStream {
    route::expand(input.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
