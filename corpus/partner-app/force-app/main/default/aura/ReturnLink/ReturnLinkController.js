({
    continue: function (component) {
        const state = component.get('v.pageReference').state;
        const returnUrl = decodeURIComponent(state.c__returnUrl || '');
        // The link's author picks the site the user lands on.
        // expect: open-redirect
        component.find('nav').navigate({ type: 'standard__webPage', attributes: { url: returnUrl } }, true);
    },

    openRecord: function (component) {
        const recordId = component.get('v.pageReference').state.c__recordId;
        // A path of the org's own: the address picks a record, not a site.
        // ok: open-redirect
        window.location.href = '/lightning/r/' + encodeURIComponent(recordId) + '/view';
    }
});
