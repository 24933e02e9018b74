//! Office documents and PDF: the text a person would read, or cells with their headers.
//!
//! - [`office`]: docx and pptx, their XML parts streamed as text.
//! - [`sheet`]: spreadsheets (xlsx, xlsm, xlsb, xls, ods), cells as fields under headers.
//! - [`pdf`]: the text layer of a PDF.
//! - [`compound`]: legacy Office files and other OLE2 compound files (doc, ppt, msg), the
//!   strings of their streams.
//!
//! Every decoder here checks sizes that the input declares before anything is allocated
//! from them (grid sizes, part sizes, stream sizes), and draws the bytes it inflates from
//! the object's [`Budget`](crate::Budget) with the same ratio guard as archive members.

pub mod compound;
pub mod office;
pub mod pdf;
pub mod sheet;

pub use compound::compound_text;
pub use office::office_text;
pub use pdf::pdf;
pub use sheet::spreadsheet;
