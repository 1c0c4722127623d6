// Valid Apex the grammar cannot read: the legacy `bulk` keyword. A note, not a warning.
trigger InvoiceSharing on Invoice__c bulk (after insert) { // expect: apex-parse-error
    InvoiceSharingService.share(Trigger.new);
}
