trigger InvoiceSync on Invoice__c (before update) {
    for (Invoice__c inv : Trigger.new) {
        if (inv.Amount__c == null) {
            // Compiles; the grammar rejects a call on `Trigger.newMap.get(...)` opening a statement.
            Trigger.newMap.get(inv.Id).addError('An invoice needs an amount before it syncs'); // expect: apex-parse-error
        }
    }
}
