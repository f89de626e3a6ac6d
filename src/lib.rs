pub mod cli;
pub mod derive;
pub mod microversion;
pub mod sample_check;
pub mod schema_cli;
pub mod schema_format;
pub mod schema_store;
