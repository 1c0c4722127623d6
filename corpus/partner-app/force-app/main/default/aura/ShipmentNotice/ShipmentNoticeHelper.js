({
    // Compared with the record, never copied from it.
    noticeFor: function (shipment) {
        var notice = { body: 'Parcels are handed over <b>only</b> against a signature.' };
        if (shipment && shipment.Region__c === 'EU') {
            notice.body = 'Parcels are handed over <b>only</b> against an ID.';
        }
        return notice;
    }
});
