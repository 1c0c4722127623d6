/**
 * The carrier's system publishes a status event for each scan of a parcel, through the API.
 * Its fields are whatever that system (or anyone with its credentials) sent.
 */
trigger ShipmentStatusSync on Shipment_Status__e (after insert) {
    for (Shipment_Status__e status : Trigger.new) {
        // expect: soql-injection
        List<Shipment__c> byReference = Database.query('SELECT Id FROM Shipment__c WHERE Reference__c = \'' + status.Reference__c + '\'');
        // A trigger runs for the org, not on a user's request: no crud-violation.
        // ok: soql-injection, crud-violation
        List<Shipment__c> escaped = Database.query('SELECT Id FROM Shipment__c WHERE Reference__c = \'' + String.escapeSingleQuotes(status.Reference__c) + '\'');
    }
}
