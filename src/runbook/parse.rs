//! Markdown to [`Runbook`], walking pulldown-cmark's events with their byte offsets so that
//! every error can name its line.

use std::collections::HashMap;

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::attrs::{Attributes, is_attribute_comment, parse_attributes, slugify};
use super::{Problem, Runbook, RunbookError, Section, Step};

/// An item being read: its text so far and what was found inside it.
#[derive(Default)]
struct OpenItem {
    line: usize,
    /// `Some(ticked)` once a task-list checkbox was seen.
    task: Option<bool>,
    text: String,
    detail: String,
    /// Set once the first line has ended; later text goes to `detail`.
    first_line_done: bool,
    attrs: Attributes,
    command: Option<String>,
}

/// Steps before id assignment, with whether the id was given explicitly.
struct Draft {
    section: usize,
    explicit_id: bool,
    step: Step,
}

struct Reader<'a> {
    file: &'a str,
    line_starts: Vec<usize>,
    title: Option<String>,
    sections: Vec<Section>,
    drafts: Vec<Draft>,
    items: Vec<OpenItem>,
    heading: Option<(HeadingLevel, usize, String)>,
    code: Option<String>,
}

/// Parses runbook Markdown; `file` names the source in errors.
pub fn parse(text: &str, file: &str) -> Result<Runbook, RunbookError> {
    let mut reader = Reader {
        file,
        line_starts: std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect(),
        title: None,
        sections: Vec::new(),
        drafts: Vec::new(),
        items: Vec::new(),
        heading: None,
        code: None,
    };
    let options = Options::ENABLE_TASKLISTS | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS;
    for (event, range) in Parser::new_ext(text, options).into_offset_iter() {
        reader.event(event, range.start)?;
    }
    reader.finish()
}

impl Reader<'_> {
    fn line_of(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&start| start <= offset)
    }

    fn error(&self, line: usize, problem: Problem) -> RunbookError {
        RunbookError::Invalid {
            file: self.file.to_owned(),
            line,
            problem,
        }
    }

    fn event(&mut self, event: Event<'_>, offset: usize) -> Result<(), RunbookError> {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                self.heading = Some((level, self.line_of(offset), String::new()));
            }
            Event::End(TagEnd::Heading(_)) => self.end_heading()?,
            Event::Start(Tag::Item) => self.items.push(OpenItem {
                line: self.line_of(offset),
                ..OpenItem::default()
            }),
            Event::End(TagEnd::Item) => self.end_item()?,
            // A nested list ends the item's own text; its items are steps of their own.
            Event::Start(Tag::List(_)) => {
                if let Some(item) = self.items.last_mut() {
                    item.first_line_done = true;
                }
            }
            Event::TaskListMarker(ticked) => {
                if let Some(item) = self.items.last_mut() {
                    item.task = Some(ticked);
                }
            }
            Event::Start(Tag::CodeBlock(_)) => self.code = Some(String::new()),
            Event::End(TagEnd::CodeBlock) => {
                let code = self.code.take().unwrap_or_default();
                if let Some(item) = self.items.last_mut() {
                    item.first_line_done = true;
                    if item.command.is_none() {
                        item.command = Some(code.trim_end().to_owned());
                    }
                }
            }
            Event::End(TagEnd::Paragraph) | Event::SoftBreak | Event::HardBreak => {
                if let Some(item) = self.items.last_mut() {
                    if item.first_line_done {
                        item.detail.push('\n');
                    }
                    item.first_line_done = true;
                }
            }
            Event::InlineHtml(html) | Event::Html(html) => {
                self.html(&html, offset)?;
            }
            Event::Text(text) | Event::Code(text) => self.text(&text),
            _ => {}
        }
        Ok(())
    }

    fn text(&mut self, text: &str) {
        if let Some(code) = self.code.as_mut() {
            code.push_str(text);
        } else if let Some((_, _, heading)) = self.heading.as_mut() {
            heading.push_str(text);
        } else if let Some(item) = self.items.last_mut() {
            if item.first_line_done {
                item.detail.push_str(text);
            } else {
                item.text.push_str(text);
            }
        }
    }

    // Known gap: an attribute comment split over several lines arrives in pieces and is not
    // read as attributes; keep each comment on one line.
    fn html(&mut self, html: &str, offset: usize) -> Result<(), RunbookError> {
        if !is_attribute_comment(html) {
            return Ok(());
        }
        let line = self.line_of(offset);
        let Some(item) = self.items.last_mut() else {
            return Ok(());
        };
        // Attributes belong on the step line, but a comment on the item's next line is read
        // too: people wrap long step lines, and ignoring it silently would lose the step's id.
        let result = parse_attributes(html, &mut item.attrs);
        result.map_err(|problem| self.error(line, problem))
    }

    fn end_heading(&mut self) -> Result<(), RunbookError> {
        let Some((level, line, text)) = self.heading.take() else {
            return Ok(());
        };
        let text = text.trim().to_owned();
        match level {
            HeadingLevel::H1 if self.title.is_some() => Err(self.error(line, Problem::SecondTitle)),
            HeadingLevel::H1 => {
                self.title = Some(text);
                Ok(())
            }
            HeadingLevel::H2 | HeadingLevel::H3 => {
                if self.title.is_none() {
                    return Err(self.error(line, Problem::MissingTitle));
                }
                self.sections.push(Section {
                    title: text,
                    level: if level == HeadingLevel::H2 { 2 } else { 3 },
                    line,
                    steps: Vec::new(),
                });
                Ok(())
            }
            // Deeper headings are prose inside a section.
            _ => Ok(()),
        }
    }

    fn end_item(&mut self) -> Result<(), RunbookError> {
        let Some(item) = self.items.pop() else {
            return Ok(());
        };
        let Some(ticked) = item.task else {
            return Ok(());
        };
        let text = item.text.trim().to_owned();
        if text.is_empty() {
            return Err(self.error(item.line, Problem::EmptyStep));
        }
        let Some(section) = self.sections.len().checked_sub(1) else {
            return Err(self.error(item.line, Problem::StepOutsideSection { text }));
        };
        self.drafts.push(Draft {
            section,
            explicit_id: item.attrs.id.is_some(),
            step: Step {
                id: item.attrs.id.unwrap_or_default(),
                text,
                detail: item.detail.trim().to_owned(),
                owner: item.attrs.owner,
                kind: item.attrs.kind,
                check: item.attrs.check,
                command: item.command,
                ticked_in_file: ticked,
                line: item.line,
            },
        });
        Ok(())
    }

    fn finish(mut self) -> Result<Runbook, RunbookError> {
        let Some(title) = self.title.take() else {
            return Err(self.error(1, Problem::MissingTitle));
        };
        if self.drafts.is_empty() {
            return Err(self.error(1, Problem::NoSteps));
        }
        // Nested steps end before their parent, so file order is restored by line.
        self.drafts.sort_by_key(|draft| draft.step.line);
        self.assign_ids()?;

        let mut sections = std::mem::take(&mut self.sections);
        for draft in self.drafts {
            sections[draft.section].steps.push(draft.step);
        }
        Ok(Runbook {
            name: slugify(&title),
            source: self.file.to_owned(),
            title,
            sections,
        })
    }

    /// Explicit ids must be unique; derived ones take a numeric suffix to stay clear of them.
    fn assign_ids(&mut self) -> Result<(), RunbookError> {
        let mut taken: HashMap<String, usize> = HashMap::new();
        for draft in self.drafts.iter().filter(|d| d.explicit_id) {
            if let Some(&first_line) = taken.get(&draft.step.id) {
                let problem = Problem::DuplicateId {
                    id: draft.step.id.clone(),
                    first_line,
                };
                return Err(self.error(draft.step.line, problem));
            }
            taken.insert(draft.step.id.clone(), draft.step.line);
        }
        for draft in self.drafts.iter_mut().filter(|d| !d.explicit_id) {
            let base = slugify(&draft.step.text);
            let mut id = base.clone();
            let mut n = 2;
            while taken.contains_key(&id) {
                id = format!("{base}-{n}");
                n += 1;
            }
            taken.insert(id.clone(), draft.step.line);
            draft.step.id = id;
        }
        Ok(())
    }
}
