fn main() {
    println!("edge-host {}", env!("CARGO_PKG_VERSION"));
}
