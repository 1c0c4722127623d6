trigger InvoiceSync on Invoice__c (before update) {
    for (Invoice__c inv : Trigger.new) {
        if (inv.Amount__c == null) {
            // A statement that opens with the Trigger context (the grammar alone reads `trigger` as
            // a declaration): sfsec reads it.
            Trigger.newMap.get(inv.Id).addError('An invoice needs an amount before it syncs'); // ok: apex-parse-error
        }
    }
}
