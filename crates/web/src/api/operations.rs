//! The API's operations, each declared once by its handler's `#[utoipa::path]`, gathered two
//! ways: the router the server runs, which needs only each operation's method, path, tag and
//! whether it is public; and the OpenAPI document, whose schema code runs only when the document
//! is made (`trainyard openapi`, the contract tests). utoipa-axum's `OpenApiRouter` made both at
//! once, so every `serve` ran the schema code of every operation at start-up and kept the pages
//! and the allocator's leftovers resident while idle.

use crate::AppState;
use axum::Router;
use axum::routing::MethodRouter;
use utoipa::openapi::path::{HttpMethod, Paths};
use utoipa::openapi::schema::Schema;
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{Components, OpenApi, RefOr};

/// The named schemas an operation refers to, as utoipa collects them.
pub type Schemas = Vec<(String, RefOr<Schema>)>;

/// Adds one operation, with the schemas it refers to, to a document.
type Documenter = fn(&mut Schemas, &mut Paths);

/// One operation as the router and the scope check see it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Operation {
    /// Upper case, as in a request line: `GET`, `POST`, …
    pub method: String,
    /// Under `/api/v1`, with `{name}` parameters as in the document.
    pub path: String,
    /// The first tag: the area whose scope a token needs.
    pub tag: Option<&'static str>,
    /// `security(())`: anyone may call it without a token.
    pub public: bool,
}

impl Operation {
    pub fn is_read(&self) -> bool {
        matches!(self.method.as_str(), "GET" | "HEAD")
    }
}

/// The handlers of one `routes!` call.
#[derive(Default)]
pub struct Route {
    handlers: Vec<(String, MethodRouter<AppState>, Vec<Operation>, Documenter)>,
}

impl Route {
    /// Called by `routes!` once per handler.
    pub fn add(
        &mut self,
        path: String,
        methods: Vec<HttpMethod>,
        tags: Vec<&'static str>,
        security: Option<Vec<SecurityRequirement>>,
        router: MethodRouter<AppState>,
        document: Documenter,
    ) {
        let public = security
            .unwrap_or_default()
            .iter()
            .any(|r| *r == SecurityRequirement::default());
        let operations = methods
            .iter()
            .map(|m| Operation {
                method: method_name(m),
                path: path.clone(),
                tag: tags.first().copied(),
                public,
            })
            .collect();
        self.handlers.push((path, router, operations, document));
    }
}

fn method_name(m: &HttpMethod) -> String {
    serde_json::to_value(m)
        .ok()
        .and_then(|v| v.as_str().map(str::to_uppercase))
        .unwrap_or_default()
}

/// The API's operations: the router and what is known of each operation, and the code that
/// documents them, run only by [`Operations::document`].
#[derive(Default)]
pub struct Operations {
    router: Router<AppState>,
    operations: Vec<Operation>,
    documenters: Vec<Documenter>,
}

impl Operations {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn routes(mut self, route: Route) -> Self {
        for (path, router, operations, document) in route.handlers {
            // axum merges the methods of one path added twice.
            self.router = self.router.route(&path, router);
            self.operations.extend(operations);
            self.documenters.push(document);
        }
        self
    }

    pub fn merge(mut self, other: Self) -> Self {
        self.router = self.router.merge(other.router);
        self.operations.extend(other.operations);
        self.documenters.extend(other.documenters);
        self
    }

    pub fn into_parts(self) -> (Router<AppState>, Vec<Operation>) {
        (self.router, self.operations)
    }

    /// Names given to two different schemas (two types documented under one name): the document
    /// can hold only one of them, so an operation would describe the wrong body.
    #[cfg(test)]
    pub fn schema_name_clashes(&self) -> Vec<String> {
        let mut seen = std::collections::BTreeMap::new();
        let mut clashes = std::collections::BTreeSet::new();
        for document in &self.documenters {
            let mut schemas = Schemas::new();
            document(&mut schemas, &mut Paths::new());
            for (name, schema) in schemas {
                match seen.get(&name) {
                    Some(s) if *s != schema => {
                        clashes.insert(name);
                    }
                    Some(_) => {}
                    None => {
                        seen.insert(name, schema);
                    }
                }
            }
        }
        clashes.into_iter().collect()
    }

    /// `base` with every operation and the schemas they refer to.
    pub fn document(&self, mut base: OpenApi) -> OpenApi {
        for document in &self.documenters {
            let mut schemas = Schemas::new();
            let mut paths = Paths::new();
            document(&mut schemas, &mut paths);
            for (path, item) in paths.paths {
                if let Some(it) = base.paths.paths.get_mut(&path) {
                    it.merge_operations(item);
                } else {
                    base.paths.paths.insert(path, item);
                }
            }
            base.components
                .get_or_insert_with(Components::new)
                .schemas
                .extend(schemas);
        }
        base
    }
}

/// Like utoipa-axum's `routes!`: the handlers of one path, each with its `#[utoipa::path]`. The
/// router gets each handler at its path and methods now; its document code is kept as a function
/// for [`Operations::document`].
macro_rules! routes {
    ( $( $handler:path ),+ $(,)? ) => {{
        let mut route = $crate::api::operations::Route::default();
        $( ::utoipa_axum::paste! {
            // paste! hands the handler's path on as plain tokens, which utoipa-axum's own arms
            // need to name its `__path_` type.
            let methods = ::utoipa_axum::routes!(@path [methods()] of $handler);
            let router = methods.iter().fold(::axum::routing::MethodRouter::new(), |r, m| {
                r.on(::utoipa_axum::PathItemExt::to_method_filter(m), $handler)
            });
            route.add(
                ::utoipa_axum::routes!(@path [path()] of $handler),
                methods,
                ::utoipa_axum::routes!(@path [tags()] of $handler),
                ::utoipa_axum::routes!(@path [operation()] of $handler).security,
                router,
                |mut schemas: &mut $crate::api::operations::Schemas,
                 paths: &mut ::utoipa::openapi::path::Paths| {
                    let (path, item, types) =
                        ::utoipa_axum::routes!(@resolve_types $handler : schemas);
                    paths.add_path_operation(&path, types, item);
                },
            );
        } )+
        route
    }};
}

pub(crate) use routes;
