//! Generates the client from the committed spec, as a team consuming rocketlite would.

fn main() {
    let spec_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../openapi/openapi.json");
    println!("cargo:rerun-if-changed={spec_path}");
    let file = std::fs::File::open(spec_path).expect("openapi/openapi.json");
    let mut spec: openapiv3::OpenAPI =
        serde_json::from_reader(file).expect("a valid OpenAPI 3 document");
    // progenitor 0.15 takes one request media type per operation (two make it panic); a Rust
    // client sends JSON, so the HTML-form alternative every POST also offers is left out here.
    for (_, item) in spec.paths.paths.iter_mut() {
        if let openapiv3::ReferenceOr::Item(item) = item {
            let ops = [&mut item.get, &mut item.post, &mut item.put, &mut item.delete];
            for op in ops.into_iter().flatten() {
                if let Some(openapiv3::ReferenceOr::Item(body)) = op.request_body.as_mut() {
                    body.content.retain(|media, _| media == "application/json");
                }
                // It also takes one response type per operation: roles.create's plain-text
                // 404 (the Enterprise-only route) would be a second one beside its JSON 401.
                op.responses.responses.retain(|_, response| match response {
                    openapiv3::ReferenceOr::Item(r) => {
                        r.content.is_empty() || r.content.contains_key("application/json")
                    }
                    openapiv3::ReferenceOr::Reference { .. } => true,
                });
            }
        }
    }
    let mut generator = progenitor::Generator::default();
    let tokens = generator.generate_tokens(&spec).expect("progenitor generates a client");
    let ast = syn::parse2(tokens).expect("generated code parses");
    let out = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("client.rs");
    std::fs::write(out, prettyplease::unparse(&ast)).unwrap();
}
