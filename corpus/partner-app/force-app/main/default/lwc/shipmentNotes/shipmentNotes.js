import { LightningElement, api, wire } from 'lwc';
import { getRecord, getFieldValue } from 'lightning/uiRecordApi';
import NOTES_FIELD from '@salesforce/schema/Shipment__c.Carrier_Notes__c';
import INSTRUCTIONS_FIELD from '@salesforce/schema/Shipment__c.Delivery_Instructions__c';
import HEADING from '@salesforce/label/c.Shipment_Notes_Heading';

const EMPTY = '<p class="slds-text-color_weak">No notes yet</p>';
const FIELDS = [NOTES_FIELD, INSTRUCTIONS_FIELD];

export default class ShipmentNotes extends LightningElement {
    @api recordId;
    @api highlight;
    @wire(getRecord, { recordId: '$recordId', fields: FIELDS }) shipment;
    revision = 0;

    get heading() {
        return '<h2 class="slds-text-heading_small">' + HEADING + '</h2>';
    }

    renderedCallback() {
        const box = this.template.querySelector('.notes');
        const notes = getFieldValue(this.shipment.data, NOTES_FIELD);
        if (!notes) {
            // The code's own markup, a label and a number: silent.
            // ok: xss-escape-false
            box.innerHTML = this.heading + EMPTY + `<small>rev. ${this.revision + 1}</small>`;
            return;
        }
        let html = this.heading + '<ul>';
        for (const line of notes.split('\n')) {
            // expect: xss-escape-false
            html += '<li>' + line + '</li>';
        }
        box.innerHTML = html + '</ul>';
        // Escaped first: silent.
        // ok: xss-escape-false
        box.insertAdjacentHTML('beforeend', '<p>' + escapeHtml(getFieldValue(this.shipment.data, INSTRUCTIONS_FIELD)) + '</p>');
        // Shown as text: silent.
        // ok: xss-escape-false
        this.template.querySelector('.highlight').textContent = this.highlight;
        // A parent's text as markup.
        // expect: xss-escape-false
        this.template.querySelector('.highlight').innerHTML = `<mark>${this.highlight}</mark>`;
    }
}

function escapeHtml(text) {
    const map = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
    return String(text ?? '').replace(/[&<>"']/g, (c) => map[c]);
}
