fn main() {
    println!("stack-tui {}", env!("CARGO_PKG_VERSION"));
}
