//! State changed when a Visualforce page loads: a GET request that another site's link or
//! image can make a signed-in user send (cross-site request forgery).

use std::collections::BTreeMap;

use crate::dataflow::model::{ClassId, MethodKind, Model};
use crate::dataflow::{Call, EndpointOf, Entry, Flow, On, Reach, Sink, SinkAt, Spec};
use crate::diagnostics::finding::{FileId, Finding};
use crate::lints::flow::{flow_finding, with_path};
use crate::lints::{Ctx, Lint};
use crate::workspace::kind::FileKind;
use crate::workspace::project::Project;

declare_lint!(Csrf = "csrf");
const HELP: &str = "change records only in a method a form's button or link posts to (`<apex:commandButton action=...>`), \
     never in a constructor, an initializer or the page's `action`; or check a token of your own before the change";

const DATABASE: &[&str] = &["database", "system.database"];

const fn sink(at: SinkAt, note: &'static str) -> Sink {
    Sink {
        category: "state",
        at,
        note,
        endpoint: EndpointOf::None,
        ignore_types: &[],
    }
}

const fn call(on: On, method: &'static str, note: &'static str) -> Sink {
    sink(
        SinkAt::Call {
            call: Call { on, method },
            arg: None,
        },
        note,
    )
}

/// What changes the org's state, or leaves it: DML, in statements and `Database` calls,
/// platform events, email. Not callouts: what one changes depends on the other end, and those
/// made on a page load fetch tokens and data (every one the ecosystem's pages make).
static SINKS: &[Sink] = &[
    sink(SinkAt::Dml, "changes records"),
    call(On::Class(DATABASE), "insert", "changes records"),
    call(On::Class(DATABASE), "update", "changes records"),
    call(On::Class(DATABASE), "upsert", "changes records"),
    call(On::Class(DATABASE), "delete", "changes records"),
    call(On::Class(DATABASE), "undelete", "changes records"),
    call(On::Class(DATABASE), "merge", "changes records"),
    call(On::Class(DATABASE), "convertlead", "changes records"),
    call(On::Class(DATABASE), "emptyrecyclebin", "changes records"),
    call(
        On::Class(&["eventbus", "system.eventbus"]),
        "publish",
        "publishes platform events",
    ),
    call(
        On::Class(&["messaging", "system.messaging"]),
        "sendemail",
        "sends email",
    ),
];

static REACH: Reach = Reach {
    entries,
    hints: &["apex:page", "apex:component"],
    settles: None,
};

pub(crate) static LOAD: Spec = Spec {
    sinks: SINKS,
    reach: Some(&REACH),
    ..Spec::PLAIN
};

static SPECS: &[&Spec] = &[&LOAD];

/// Interfaces whose classes the platform runs as jobs, never as a page's controller.
const JOBS: &[&str] = &["queueable", "batchable", "schedulable"];

/// What runs when a page loads: the constructors and initializers of the classes the project's
/// pages and components name as `controller` or `extensions`, and each page's `action`
/// method. A class no page names is judged as PMD does: a class that could be a controller
/// (not a job, not a test, some constructor callable from outside) has its constructors,
/// initializers and any `init()` method run on a page load.
fn entries(project: &Project, model: &Model<'_>) -> Vec<Entry> {
    let mut out = Vec::new();
    // Per class, the first page (by path) that names it.
    let mut pages: BTreeMap<ClassId, &str> = BTreeMap::new();
    for file in project.files.iter().filter(|f| f.kind == FileKind::Visualforce) {
        let name = file.rel.rsplit('/').next().unwrap_or(&file.rel);
        let name = name.split('.').next().unwrap_or(name);
        let action = crate::syntax::vf::page_action(&file.text);
        for c in crate::syntax::vf::controllers(&file.text) {
            for class in model.top_level_classes(&c) {
                pages.entry(class).or_insert(name);
                if let Some(a) = &action {
                    out.extend(model.methods_named(class, a, 0).map(|method| {
                        let m = &model.methods[method];
                        let shown = m.display(&project.files[m.file].text);
                        Entry {
                            method,
                            note: format!("`{shown}` is the `action` of page `{name}`: it runs when the page loads (a GET request), before any click"),
                            own_body: false,
                        }
                    }));
                }
            }
        }
    }
    for (class, c) in model.classes.iter().enumerate() {
        let methods = || c.methods.iter().copied().map(|m| (m, &model.methods[m]));
        let page = pages.get(&class);
        let could_control = || {
            let mut ctors = methods().filter(|(_, m)| m.kind == MethodKind::Constructor).peekable();
            c.outer.is_none()
                && !project.files[c.file].rel.ends_with(".trigger")
                && !c.annotations.iter().any(|a| a == "istest" || a == "restresource")
                && !c.supertypes.iter().any(|i| JOBS.contains(&i.as_str()))
                && (ctors.peek().is_none() || ctors.any(|(_, m)| m.is_visible && page_builds(model, class, m)))
        };
        if page.is_none() && !could_control() {
            continue;
        }
        for (m, method) in methods() {
            let what = match method.kind {
                MethodKind::Constructor if page_builds(model, class, method) => "its constructor",
                MethodKind::Init => "its initializer",
                MethodKind::Method if page.is_none() && &*method.name == "init" && method.params.is_empty() => {
                    "its `init()`, by its name a page's `action`,"
                }
                _ => continue,
            };
            let note = match page {
                Some(p) => format!(
                    "`{}` is the controller of page `{p}`: {what} runs when the page loads (a GET request)",
                    c.name
                ),
                None => format!(
                    "`{}` may be a page's controller: {what} runs when the page loads (a GET request)",
                    c.name
                ),
            };
            out.push(Entry {
                method: m,
                note,
                own_body: page.is_none(),
            });
        }
    }
    out
}

/// Whether a page can build its controller with this constructor: a controller's takes no
/// argument, an extension's takes the standard controller or the page's custom controller.
/// Others are called by code, and run on a page load only through those.
fn page_builds(model: &Model<'_>, class: ClassId, ctor: &crate::dataflow::model::Method) -> bool {
    match &*ctor.params {
        [] => true,
        [p] => p.ty.as_deref().is_some_and(|t| {
            let last = t.rsplit('.').next().unwrap_or(t);
            matches!(last, "standardcontroller" | "standardsetcontroller")
                || model.resolve_class(t, Some(class)).is_some()
        }),
        _ => false,
    }
}

impl Lint for Csrf {
    fn specs(&self) -> &'static [&'static Spec] {
        SPECS
    }

    /// One finding per statement of an entry that changes state: the change itself, or the
    /// call that leads to one (the shortest way), where the fix goes.
    fn check_project(&self, cx: &Ctx<'_>, out: &mut Vec<Finding>) {
        let mut by_statement: BTreeMap<(FileId, usize, usize), &Flow> = BTreeMap::new();
        for flow in cx.flows_of(&LOAD) {
            let (file, span) = flow.path.get(1).map_or((flow.file, &flow.span), |h| (h.file, &h.span));
            let entry = flow.path.first().map_or(0, |h| h.span.start);
            by_statement
                .entry((file, span.start, entry))
                .and_modify(|f| {
                    if flow.path.len() < f.path.len() {
                        *f = flow;
                    }
                })
                .or_insert(flow);
        }
        for flow in by_statement.into_values() {
            let note = LOAD.sinks[flow.sink].note;
            let finding = match flow.path.get(1) {
                None => {
                    let message =
                        format!("a page load {note}: a link on another site can make a signed-in user's browser do it");
                    flow_finding(ID, flow.file, flow.span.clone(), &flow.path, None, note, message)
                }
                Some(call) => {
                    let message = format!(
                        "this call {note} when a page loads: a link on another site can make a signed-in user's browser do it"
                    );
                    // Found at the entry's call, where the fix goes; the change is the last step.
                    with_path(Finding::new(ID, call.file, call.span.clone(), message), &flow.path)
                        .label(flow.file, flow.span.clone(), note)
                        .step(flow.file, flow.span.clone(), note)
                }
            };
            out.push(finding.help(HELP));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lints::test_support::{CLASS, cases, run, run_case};

    const PAGE: &str = "force-app/main/default/pages/Orders.page";
    const COMPONENT: &str = "force-app/main/default/components/OrderList.component";
    const HELPER: &str = "force-app/main/default/classes/OrderService.cls";

    /// A page whose root tag has these attributes, and the class `Auth` with `body`.
    fn page(attrs: &str, body: &str) -> Vec<(&'static str, String)> {
        vec![
            (
                PAGE,
                format!(
                    "<apex:page {attrs}>\n  <apex:form><apex:commandButton action=\"{{!save}}\"/></apex:form>\n</apex:page>\n"
                ),
            ),
            (CLASS, format!("public with sharing class Auth {{\n{body}\n}}\n")),
        ]
    }

    /// The class `Auth` alone: no page names it.
    fn class(head: &str, body: &str) -> Vec<(&'static str, String)> {
        vec![(CLASS, format!("{head} {{\n{body}\n}}\n"))]
    }

    const SERVICE: &str = "public with sharing class OrderService {\n  public static void purge(Id id) { delete [SELECT Id FROM Order WHERE AccountId = :id]; }\n  public static void refund(Id id) { update new Order(Id = id, Status = 'Refunded'); }\n}\n";

    #[test]
    fn table() {
        let with_service = |mut files: Vec<(&'static str, String)>| {
            files.push((HELPER, SERVICE.to_string()));
            files
        };
        cases(
            "csrf",
            &[
                // A controller that only reads, and changes records where a button posts.
                page(
                    "controller=\"Auth\"",
                    "  public List<Order> rows { get; set; }\n  public Auth() { rows = [SELECT Id FROM Order]; }\n  public PageReference save() { update rows; return null; }",
                ),
                // A constructor a page cannot call (code builds the class with an Id).
                page(
                    "controller=\"Auth\"",
                    "  public Auth() {}\n  public Auth(Id id) { OrderService.purge(id); }\n  public PageReference save() { return null; }",
                ),
                // The page's action only reads and redirects.
                page(
                    "controller=\"Auth\" action=\"{!route}\"",
                    "  public PageReference route() { return [SELECT COUNT() FROM Order] > 0 ? Page.Orders : null; }\n  public PageReference save() { insert new Order(); return null; }",
                ),
                // A callout on load fetches; what it changes depends on the other end.
                page(
                    "controller=\"Auth\" action=\"{!load}\"",
                    "  public void load() { HttpRequest r = new HttpRequest(); r.setEndpoint('callout:Orders'); new Http().send(r); }",
                ),
                // Classes no page names: a job, a test, an inner class, private constructors.
                class(
                    "public class Auth implements Queueable",
                    "  public Auth() { insert new Order(); }\n  public void execute(QueueableContext c) {}",
                ),
                class("@IsTest\nprivate class Auth", "  Auth() { insert new Order(); }"),
                class(
                    "public class Auth",
                    "  public class Row { public Row() { insert new Order(); } }",
                ),
                class(
                    "public class Auth",
                    "  private Auth() { insert new Order(); }\n  public static Auth make() { return new Auth(); }",
                ),
                // A class no page names is judged by its own body only: its shape is a guess.
                with_service(class(
                    "public class Auth",
                    "  public Auth() { OrderService.refund(null); }",
                )),
                // A trigger is not a page's controller.
                vec![(
                    "force-app/main/default/triggers/OrderTrigger.trigger",
                    "trigger OrderTrigger on Order (after insert) {\n  insert new Task(Subject = 'x');\n}\n"
                        .to_string(),
                )],
            ],
            &[
                // The page's action changes records, in its body or through the calls it makes.
                page(
                    "controller=\"Auth\" action=\"{!init}\"",
                    "  public void init() { delete [SELECT Id FROM Order]; }",
                ),
                with_service(page(
                    "controller=\"Auth\" action=\"{! Go }\"",
                    "  public PageReference go() { OrderService.purge(ApexPages.currentPage().getParameters().get('id')); return null; }",
                )),
                page(
                    "controller=\"Auth\" action=\"{!notify}\"",
                    "  public void notify() { Messaging.sendEmail(new Messaging.SingleEmailMessage[]{ new Messaging.SingleEmailMessage() }); }",
                ),
                page(
                    "controller=\"Auth\" action=\"{!notify}\"",
                    "  public void notify() { EventBus.publish(new Order_Event__e()); }",
                ),
                // A controller's constructor and initializers, and an extension's constructor.
                page(
                    "controller=\"Auth\"",
                    "  public Auth() { Database.insert(new Order(), false); }",
                ),
                with_service(page("controller=\"Auth\"", "  static { OrderService.refund(null); }")),
                page(
                    "standardController=\"Account\" extensions=\"Auth\"",
                    "  public Auth(ApexPages.StandardController c) { update c.getRecord(); }",
                ),
                vec![
                    (COMPONENT, "<apex:component controller=\"Auth\"/>\n".to_string()),
                    (
                        CLASS,
                        "public class Auth {\n  public Auth() { upsert new Order(); }\n}\n".to_string(),
                    ),
                ],
                // PMD's cases: a class no page names, with DML in a constructor, an initializer
                // or `init()`.
                class("public class Auth", "  public Auth() { insert new Order(); }"),
                class("public class Auth", "  { insert new Order(); }"),
                class("public class Auth", "  static { insert new Order(); }"),
                class("public class Auth", "  public void init() { upsert new Order(); }"),
            ],
        );
    }

    #[test]
    fn a_flow_through_three_methods_and_a_field_is_found_at_the_call_with_its_path() {
        let files = [
            (PAGE, "<apex:page controller=\"Auth\" action=\"{!start}\"/>\n"),
            (
                CLASS,
                "public with sharing class Auth {\n  private Ledger ledger = new Ledger();\n  public void start() {\n    prepare();\n  }\n  private void prepare() {\n    ledger.post(1);\n  }\n}\n",
            ),
            (
                HELPER,
                "public with sharing class Ledger {\n  public void post(Integer n) {\n    write(n);\n  }\n  private void write(Integer n) {\n    insert new Ledger_Entry__c(Amount__c = n);\n  }\n}\n",
            ),
        ];
        let hits = run("csrf", &files);
        assert_eq!(hits.len(), 1, "{hits:#?}");
        let hit = &hits[0];
        assert_eq!(
            (hit.path.as_str(), hit.line),
            ("force-app/main/default/classes/Auth.cls", 4)
        );
        assert_eq!(hit.text, "prepare()");
        assert_eq!(
            hit.message,
            "this call changes records when a page loads: a link on another site can make a signed-in user's browser do it"
        );
        let labels: Vec<(&str, &str)> = hit.labels.iter().map(|(l, t)| (l.as_str(), t.as_str())).collect();
        assert_eq!(
            labels,
            [
                (
                    "`start` is the `action` of page `Orders`: it runs when the page loads (a GET request), before any click",
                    "start"
                ),
                ("calls `Auth.prepare`", "prepare()"),
                ("calls `Ledger.post`", "ledger.post(1)"),
                ("calls `Ledger.write`", "write(n)"),
                ("changes records", "insert new Ledger_Entry__c(Amount__c = n)"),
            ]
        );
    }

    #[test]
    fn one_finding_per_statement_of_each_entry() {
        // Two pages' actions reach one helper: each is a finding, where each page calls it.
        // The action's two changes through one call are one finding.
        let files = vec![
            (PAGE, "<apex:page controller=\"Auth\" action=\"{!a}\"/>\n".to_string()),
            ("force-app/main/default/pages/Other.page", "<apex:page controller=\"Auth\" action=\"{!b}\"/>\n".to_string()),
            (
                CLASS,
                "public class Auth {\n  public void a() { both(); }\n  public void b() { OrderService.purge(null); }\n  private void both() { OrderService.purge(null); OrderService.refund(null); }\n}\n".to_string(),
            ),
            (HELPER, SERVICE.to_string()),
        ];
        let hits = run_case("csrf", &files);
        let at: Vec<(u32, &str)> = hits.iter().map(|h| (h.line as u32, h.text.as_str())).collect();
        assert_eq!(at, [(2, "both()"), (3, "OrderService.purge(null)")], "{hits:#?}");
    }

    #[test]
    fn a_method_calling_itself_does_not_repeat_its_hops() {
        // Both overloads fit `name()`'s unknown type: each call may be either.
        let files = [
            (PAGE, "<apex:page controller=\"Auth\" action=\"{!go}\"/>\n"),
            (
                CLASS,
                "public class Auth {\n  public void go() { Log.error(null, Api.Kind.A); }\n}\n",
            ),
            (
                HELPER,
                "public class Log {\n  public static void error(Exception e, Api.Kind k) {\n    error(e, k.name());\n  }\n  public static void error(Exception e, String k) {\n    write(new Task(Subject = k), k);\n  }\n  public static void error(String m, String k) {\n    write(new Task(Subject = m), k);\n  }\n  private static void write(Task t, String k) { insert t; notify(k); }\n  private static void notify(String k) { Mail.send(k); }\n}\n",
            ),
            (
                "force-app/main/default/classes/Mail.cls",
                "public class Mail {\n  public static void send(String k) { deliver(k); }\n  private static void deliver(String k) { Messaging.sendEmail(new Messaging.SingleEmailMessage[]{}); }\n}\n",
            ),
            (
                "force-app/main/default/classes/Api.cls",
                "public class Api {\n  public enum Kind { A }\n}\n",
            ),
        ];
        let hits = run("csrf", &files);
        assert_eq!(hits.len(), 1, "{hits:#?}");
        let labels = &hits[0].labels;
        assert!(labels.windows(2).all(|w| w[0] != w[1]), "{labels:#?}");
    }

    #[test]
    fn pmd_suppressions_silence_it() {
        let hits = run(
            "csrf",
            &[(
                CLASS,
                "@SuppressWarnings('PMD.ApexCSRF')\npublic class Auth {\n  public Auth() { insert new Order(); }\n}\n",
            )],
        );
        assert!(hits.iter().all(|h| h.suppressed), "{hits:#?}");
        assert_eq!(hits.len(), 1);
    }
}
