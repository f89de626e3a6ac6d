fn main() -> std::process::ExitCode {
    tapedeck::cli::main()
}
