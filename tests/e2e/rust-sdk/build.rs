//! Generates the client from the committed spec, as a team consuming rocketlite would.

fn main() {
    let spec_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../openapi/openapi.json");
    println!("cargo:rerun-if-changed={spec_path}");
    let file = std::fs::File::open(spec_path).expect("openapi/openapi.json");
    let spec: openapiv3::OpenAPI = serde_json::from_reader(file).expect("a valid OpenAPI 3 document");
    let mut generator = progenitor::Generator::default();
    let tokens = generator.generate_tokens(&spec).expect("progenitor generates a client");
    let ast = syn::parse2(tokens).expect("generated code parses");
    let out = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("client.rs");
    std::fs::write(out, prettyplease::unparse(&ast)).unwrap();
}
