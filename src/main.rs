//! The `tapedeck` binary: the command line (`cli/`) over the library.

mod cli;

// mimalloc: allocation-heavy paths (JSON and YAML parsing, validation) take a quarter less
// time than with glibc's allocator; transparent huge pages off, or each thread's first use
// would add megabytes of resident memory.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // Die quietly when the reader goes away (`tapedeck schemas list | head`), as Unix tools do,
    // instead of panicking on a broken pipe.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    cli::main()
}
