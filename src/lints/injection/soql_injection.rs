//! User input (or a parameter nothing vouches for) run as SOQL or SOSL text.

use crate::dataflow::Spec;
use crate::diagnostics::finding::Finding;
use crate::lints::injection::{self, INPUT, QUERY};
use crate::lints::{Ctx, Lint};

declare_lint!(SoqlInjection = "soql-injection");
const HELP: &str = "use a bind variable (`:name`) for values, `String.escapeSingleQuotes` for a value inside quotes, \
     and check object and field names against the schema (`Schema.getGlobalDescribe()`)";

impl Lint for SoqlInjection {
    fn specs(&self) -> &'static [&'static Spec] {
        injection::SPECS
    }

    fn check_project(&self, cx: &Ctx<'_>, out: &mut Vec<Finding>) {
        for flow in cx.flows_of(&INPUT) {
            if INPUT.sinks[flow.sink].category != QUERY {
                continue;
            }
            let what = injection::origin(flow);
            let message = format!("{what} is {}", INPUT.sinks[flow.sink].note);
            out.push(injection::finding(ID, flow, message).help(HELP));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lints::test_support::{CLASS, auth_class, cases, run_case as run};

    fn class(body: &str) -> Vec<(&'static str, String)> {
        auth_class(body)
    }

    fn aura(body: &str) -> Vec<(&'static str, String)> {
        class(&format!(
            "  @AuraEnabled public static List<SObject> find(String name, Integer n, Id owner) {{\n{body}\n  }}"
        ))
    }

    #[test]
    fn table() {
        cases(
            "soql-injection",
            &[
                // Escaped, bound, converted, typed or looked up in the schema.
                aura("    return Database.query('SELECT Id FROM Account WHERE Name = \\'' + String.escapeSingleQuotes(name) + '\\'');"),
                aura("    return Database.query('SELECT Id FROM Account WHERE Name = :name');"),
                aura("    return Database.query('SELECT Id FROM Account LIMIT ' + n);"),
                aura("    return Database.query('SELECT Id FROM Account WHERE OwnerId = \\'' + owner + '\\'');"),
                aura("    Integer lim = Integer.valueOf(name);\n    return Database.query('SELECT Id FROM Account LIMIT ' + lim);"),
                aura(
                    "    String obj = Schema.getGlobalDescribe().get(name).getDescribe().getName();\n    return Database.query('SELECT Id FROM ' + obj);",
                ),
                aura("    return Database.queryWithBinds('SELECT Id FROM Account WHERE Name = :n', new Map<String, Object>{ 'n' => name }, AccessLevel.USER_MODE);"),
                // A static query is never injected.
                aura("    return [SELECT Id FROM Account WHERE Name = :name];"),
                // A PageReference the code builds is not the request.
                class(
                    "  public List<SObject> m() {\n    PageReference next = new PageReference('/apex/Next');\n    String q = next.getParameters().get('q');\n    return Database.query('SELECT Id FROM Account WHERE Name = \\'' + q + '\\'');\n  }",
                ),
                // A helper whose callers pass only constants.
                class(
                    "  private static List<SObject> byName(String v) {\n    return Database.query('SELECT Id FROM Account WHERE Name = \\'' + v + '\\'');\n  }\n  public static List<SObject> acme() { return byName('Acme'); }",
                ),
                // A parameter of a method nothing calls, but not text.
                class("  public static List<SObject> m(List<String> ids) {\n    return Database.query('SELECT Id FROM Account WHERE Id IN :ids');\n  }"),
                // A batch's `start` is called by the platform.
                class(
                    "  global Database.QueryLocator start(Database.BatchableContext bc) {\n    return Database.getQueryLocator('SELECT Id FROM Account');\n  }",
                ),
                // An allow-list test, a value test, a sanitizing reassignment.
                aura(
                    "    Map<String, Schema.SObjectType> gd = Schema.getGlobalDescribe();\n    if (!gd.containsKey(name)) { return null; }\n    return Database.query('SELECT Id FROM ' + name);",
                ),
                aura("    if (!name.isNumeric()) { return null; }\n    return Database.query('SELECT Id FROM Account LIMIT ' + name);"),
                aura(
                    "    name = String.escapeSingleQuotes(name);\n    return Database.query('SELECT Id FROM Account WHERE Name = \\'' + name + '\\'');",
                ),
                // What the schema says of a client's record is the org's own name.
                class(
                    "  @AuraEnabled public static List<SObject> m(List<SObject> rows) {\n    String obj = rows[0].getSObjectType().getDescribe().getName();\n    return Database.query('SELECT Id FROM ' + obj + ' WHERE Id IN :rows');\n  }",
                ),
                // A `global` helper called here with a constant: its parameter is input only for
                // callers outside the package.
                class(
                    "  global static String ns(String name) { return 'acme__' + name; }\n  public static List<SObject> m() {\n    return Database.query('SELECT Id FROM ' + ns('Order__c'));\n  }",
                ),
                // The overload that takes a list stores nothing in the query.
                vec![(
                    CLASS,
                    "public with sharing class Auth implements Database.Batchable<SObject> {\n  private String whereClause = '';\n  private List<Id> ids;\n  public Auth(List<Id> ids) { this.ids = ids; }\n  public Auth(String whereClause) { this.whereClause = whereClause; }\n  public Database.QueryLocator start(Database.BatchableContext bc) {\n    return Database.getQueryLocator('SELECT Id FROM Account WHERE Id IN :ids' + whereClause);\n  }\n  public void execute(Database.BatchableContext bc, List<SObject> s) {}\n  public void finish(Database.BatchableContext bc) {}\n  @InvocableMethod public static void run(List<Id> ids) { Database.executeBatch(new Auth(ids)); }\n}\n"
                        .to_string(),
                )],
                // A wrapper's other field is not what the client set.
                class(
                    "  public class Req { public String term; public String sortBy = 'Name'; }\n  @AuraEnabled public static List<SObject> m(String term) {\n    Req r = new Req();\n    r.term = term;\n    return Database.query('SELECT Id FROM Account ORDER BY ' + r.sortBy);\n  }",
                ),
                // The pattern of `replaceAll` is not in its result.
                aura("    String q = 'SELECT Id FROM Account WHERE Name = {0}'.replaceAll(name, '\\'x\\'');\n    return Database.query(q);"),
                // A private method nothing calls is dead code: nothing can pass it input.
                class("  private static List<SObject> m(String clause) {\n    return Database.query('SELECT Id FROM Account WHERE ' + clause);\n  }"),
                // Two blocks' locals of the same name are two locals.
                aura(
                    "    if (n > 0) {\n      String q = 'SELECT Id FROM Account WHERE Name = \\'' + name + '\\'';\n      System.debug(q);\n    }\n    if (n < 0) {\n      String q = 'SELECT Id FROM Account';\n      return Database.query(q);\n    }\n    return null;",
                ),
                // Test code is not analyzed.
                vec![(
                    CLASS,
                    "@IsTest\nprivate class Auth {\n  @IsTest static void t() {\n    String q = ApexPages.currentPage().getParameters().get('q');\n    Database.query('SELECT Id FROM Account WHERE Name = \\'' + q + '\\'');\n  }\n}\n"
                        .to_string(),
                )],
            ],
            &[
                aura("    return Database.query('SELECT Id FROM Account WHERE Name = \\'' + name + '\\'');"),
                aura("    String soql = 'SELECT Id FROM Account';\n    soql += ' WHERE Name LIKE \\'%' + name + '%\\'';\n    return Database.query(soql);"),
                aura("    return Database.countQuery('SELECT COUNT() FROM ' + name) > 0 ? null : null;"),
                aura("    return Database.getQueryLocator('SELECT Id FROM ' + name).iterator() == null ? null : null;"),
                aura("    return Search.query('FIND \\'' + name + '\\' IN ALL FIELDS RETURNING Account(Id)')[0];"),
                class(
                    "  @RemoteAction public static List<SObject> m(String f) {\n    return Database.query('SELECT Id FROM Account ORDER BY ' + f);\n  }",
                ),
                class(
                    "  webservice static List<SObject> m(String f) {\n    return Database.query('SELECT Id FROM Account ORDER BY ' + f);\n  }",
                ),
                class(
                    "  public List<SObject> m() {\n    String q = ApexPages.currentPage().getParameters().get('q');\n    return Database.query('SELECT Id FROM Account WHERE Name = \\'' + q + '\\'');\n  }",
                ),
                class(
                    "  public List<SObject> m() {\n    String q = System.currentPageReference().getHeaders().get('X-Q');\n    return Database.query('SELECT Id FROM Account WHERE Name = \\'' + q + '\\'');\n  }",
                ),
                class(
                    "  @HttpPost global static void m() {\n    String body = RestContext.request.requestBody.toString();\n    Database.query('SELECT Id FROM Account WHERE Name = \\'' + body + '\\'');\n  }",
                ),
                // A parameter of a public method nothing calls.
                class("  public static List<SObject> m(String clause) {\n    return Database.query('SELECT Id FROM Account WHERE ' + clause);\n  }"),
                // The client's text is still in the other field of its wrapper.
                class(
                    "  public class Req { public String term; }\n  @AuraEnabled public static List<SObject> m(String term) {\n    Req r = new Req();\n    r.term = term;\n    return Database.query('SELECT Id FROM Account WHERE Name LIKE \\'' + r.term + '\\'');\n  }",
                ),
                // A check of another value does not clean this one.
                aura("    if (!String.valueOf(n).isNumeric()) { return null; }\n    return Database.query('SELECT Id FROM Account ORDER BY ' + name);"),
                // The helper is reported where the caller passes the input in.
                class(
                    "  private static List<SObject> byName(String v) {\n    return Database.query('SELECT Id FROM Account WHERE Name = \\'' + v + '\\'');\n  }\n  @AuraEnabled public static List<SObject> find(String name) { return byName(name); }",
                ),
            ],
        );
    }

    #[test]
    fn a_flow_through_three_methods_and_a_field_is_found_with_its_path() {
        let hits = run(
            "soql-injection",
            &class(
                "  private static String filter;\n  public PageReference go() {\n    filter = ApexPages.currentPage().getParameters().get('f');\n    return null;\n  }\n  public List<SObject> results() {\n    return run(clause());\n  }\n  private static String clause() {\n    return ' WHERE Name = \\'' + filter + '\\'';\n  }\n  private static List<SObject> run(String where) {\n    return Database.query('SELECT Id FROM Account' + where);\n  }",
            ),
        );
        assert_eq!(hits.len(), 1, "{hits:#?}");
        assert_eq!(hits[0].message, "user input is run as a dynamic query");
        assert_eq!(hits[0].text, "Database.query('SELECT Id FROM Account' + where)");
        hits[0].assert_labels(&[
            "read from the page's request (`getParameters()`)",
            "stored in field `Auth.filter`",
            "read from field `Auth.filter`",
            "returned by `Auth.clause`",
        ]);
    }

    #[test]
    fn one_finding_per_value_spliced_in() {
        // Two parameters side by side are two findings; joined into one local first, one.
        let hits = run(
            "soql-injection",
            &class(
                "  public void m(String a, String b) {\n    Database.query('SELECT Id FROM Account ' + a + ' WHERE ' + b);\n  }",
            ),
        );
        assert_eq!(hits.len(), 2, "{hits:#?}");
        assert!(
            hits.iter()
                .all(|h| h.message == "a parameter nothing validates is run as a dynamic query")
        );
        let hits = run(
            "soql-injection",
            &class(
                "  public void m(String a, String b) {\n    String q = 'SELECT ' + a + ' FROM ' + b;\n    Database.query(q);\n  }",
            ),
        );
        assert_eq!(hits.len(), 1, "{hits:#?}");
    }

    #[test]
    fn an_email_services_message_is_input() {
        let service = |query: &str| {
            vec![(
                CLASS,
                format!(
                    "global with sharing class Auth implements Messaging.InboundEmailHandler {{\n\
                     global Messaging.InboundEmailResult handleInboundEmail(Messaging.InboundEmail email, Messaging.InboundEnvelope env) {{\n\
                     String subject = email.subject;\n\
                     {query}\n\
                     return new Messaging.InboundEmailResult();\n\
                     }}\n}}\n"
                ),
            )]
        };
        let hits = run(
            "soql-injection",
            &service("List<Case> cs = Database.query('SELECT Id FROM Case WHERE Subject = \\'' + subject + '\\'');"),
        );
        assert_eq!(hits.len(), 1, "{hits:#?}");
        assert_eq!(hits[0].message, "user input is run as a dynamic query");
        let bound = run(
            "soql-injection",
            &service("List<Case> cs = Database.query('SELECT Id FROM Case WHERE Subject = :subject');"),
        );
        assert!(bound.is_empty(), "{bound:#?}");
    }

    #[test]
    fn a_platform_events_payload_is_input() {
        let query = "Database.query('SELECT Id FROM Order__c WHERE Name = \\'' + e.Order_Number__c + '\\'');";
        let trigger = |object: &str| {
            vec![(
                "force-app/main/default/triggers/OrderSync.trigger",
                format!(
                    "trigger OrderSync on {object} (after insert) {{\n  for ({object} e : Trigger.new) {{\n    {query}\n  }}\n}}\n"
                ),
            )]
        };
        let hits = run("soql-injection", &trigger("Order_Sync__e"));
        assert_eq!(hits.len(), 1, "{hits:#?}");
        assert_eq!(hits[0].message, "a platform event's payload is run as a dynamic query");
        hits[0].assert_labels(&["a platform event's payload, as its publisher sent it"]);
        // An ordinary object's trigger holds records the org validated and shared.
        let hits = run("soql-injection", &trigger("Order__c"));
        assert!(hits.is_empty(), "{hits:#?}");
        // A handler class sees events where it casts `Trigger.new` to them, and only there.
        let handler = |cast: &str| {
            class(&format!(
                "  public void run() {{\n    for (SObject r : {cast}Trigger.new) {{\n      Order_Sync__e e = (Order_Sync__e) r;\n      {query}\n    }}\n  }}"
            ))
        };
        let hits = run("soql-injection", &handler("(List<Order_Sync__e>) "));
        assert_eq!(hits.len(), 1, "{hits:#?}");
        let hits = run("soql-injection", &handler("(List<Order__c>) "));
        assert!(hits.is_empty(), "{hits:#?}");
    }

    #[test]
    fn a_property_the_pages_form_sets_is_input() {
        let controller = "public with sharing class Auth {\n  public String term { get; set; }\n  public Integer size { get; set; }\n  public String sortBy = 'Name';\n  public List<SObject> getRows() {\n    return Database.query('SELECT Id FROM Account WHERE Name LIKE \\'%' + term + '%\\' ORDER BY ' + sortBy + ' LIMIT ' + size);\n  }\n}\n";
        let page = |body: &str| {
            vec![
                (CLASS, controller.to_string()),
                (
                    "force-app/main/default/pages/Find.page",
                    format!(
                        "<apex:page controller=\"Auth\">\n  <apex:form>\n    {body}\n  </apex:form>\n</apex:page>\n"
                    ),
                ),
            ]
        };
        // Text the user types; a number is not text; `sortBy` is the controller's own.
        let hits = run(
            "soql-injection",
            &page("<apex:inputText value=\"{!term}\"/>\n    <apex:inputText value=\"{!size}\"/>"),
        );
        assert_eq!(hits.len(), 1, "{hits:#?}");
        assert_eq!(hits[0].message, "user input is run as a dynamic query");
        hits[0].assert_labels(&["set by the user through the page's `<apex:inputText>` (Find)"]);
        assert_eq!(hits[0].labels[0].1, "{!term}");
        // A page's parameter the user can change before it is sent.
        let hits = run(
            "soql-injection",
            &page(
                "<apex:commandLink action=\"{!null}\"><apex:param name=\"t\" value=\"x\" assignTo=\"{!term}\"/></apex:commandLink>",
            ),
        );
        assert_eq!(hits.len(), 1, "{hits:#?}");
        // Escaped in place before the query, as the same method's locals are.
        let mut escaped = page("<apex:inputText value=\"{!term}\"/>");
        escaped[0].1 = escaped[0].1.replace(
            "    return Database.query",
            "    term = String.escapeSingleQuotes(term.trim());\n    return Database.query",
        );
        let hits = run("soql-injection", &escaped);
        assert!(hits.is_empty(), "{hits:#?}");
        // Shown, not set; chosen from the controller's options.
        for body in [
            "<apex:outputText value=\"{!term}\"/>",
            "<apex:selectList value=\"{!term}\" size=\"1\"><apex:selectOptions value=\"{!opts}\"/></apex:selectList>",
        ] {
            let hits = run("soql-injection", &page(body));
            assert!(hits.is_empty(), "{body}: {hits:#?}");
        }
    }

    #[test]
    fn pmd_suppressions_silence_it() {
        for suppressed in [
            "  @SuppressWarnings('PMD.ApexSOQLInjection')\n  @AuraEnabled public static List<SObject> find(String name) {\n    return Database.query('SELECT Id FROM Account WHERE Name = \\'' + name + '\\'');\n  }",
            "  @AuraEnabled public static List<SObject> find(String name) {\n    return Database.query('SELECT Id FROM Account WHERE Name = \\'' + name + '\\''); // NOPMD\n  }",
        ] {
            let hits = run("soql-injection", &class(suppressed));
            assert_eq!(hits.len(), 1, "{suppressed}");
            assert!(hits[0].suppressed, "{suppressed}");
        }
    }
}
