//! The UI's page routes, read from the web crate's source: the access matrix (`access.rs`)
//! checks each for every kind of caller, the languages test (`languages.rs`) renders each in
//! German.

#![allow(dead_code, clippy::unwrap_used)]

use std::collections::BTreeSet;

/// Every `(METHOD, route)` the UI declares: the `.route("…", get(…).post(…))` calls in the web
/// crate's source (the API's own routes come from the OpenAPI document instead), plus the generic
/// record routes: each `.route(&at::<K>("/suffix"), …)` in pages/record.rs under the
/// `const PATH: &'static str = "/path"` of every `impl RecordPage for …`.
pub fn page_routes() -> BTreeSet<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                files.push(p);
            }
        }
    }
    let mut out = BTreeSet::new();
    // (suffix, method) of the generic record routes, and the paths of the record kinds.
    let mut record_routes = Vec::new();
    let mut record_paths = Vec::new();
    for f in files {
        let src = std::fs::read_to_string(&f).unwrap();
        let mut rest = src.as_str();
        while let Some(i) = rest.find(".route(") {
            rest = &rest[i + ".route(".len()..];
            let call = rest.trim_start();
            let generic = call.strip_prefix("&at::<K>(\"");
            let Some(stripped) = generic.or_else(|| call.strip_prefix('"')) else {
                continue; // some other computed path
            };
            let path = &stripped[..stripped.find('"').unwrap()];
            // The handlers of this call: up to the next route or merge.
            let end = [".route(", ".merge(", "\n}"]
                .iter()
                .filter_map(|m| call.find(m))
                .min()
                .unwrap_or(call.len());
            let handlers = &call[..end];
            let mut any = false;
            for (token, method) in [("get(", "GET"), ("post(", "POST")] {
                if handlers.contains(token) {
                    if generic.is_some() {
                        record_routes.push((method.to_owned(), path.to_owned()));
                    } else {
                        out.insert((method.to_owned(), path.to_owned()));
                    }
                    any = true;
                }
            }
            assert!(
                any,
                "cannot tell the methods of route {path} in {}",
                f.display()
            );
        }
        let mut rest = src.as_str();
        while let Some(i) = rest.find("RecordPage for ") {
            rest = &rest[i..];
            let marker = "const PATH: &'static str = \"";
            let p = &rest[rest.find(marker).unwrap() + marker.len()..];
            record_paths.push(p[..p.find('"').unwrap()].to_owned());
            rest = p;
        }
    }
    assert!(
        !record_routes.is_empty() && !record_paths.is_empty(),
        "found no generic record routes or kinds: has pages/record.rs changed shape?"
    );
    for base in &record_paths {
        for (method, suffix) in &record_routes {
            out.insert((method.clone(), format!("{base}{suffix}")));
        }
    }
    // The JSON API and its documents are checked against the OpenAPI document.
    out.retain(|(_, p)| !p.starts_with("/api/"));
    out
}
