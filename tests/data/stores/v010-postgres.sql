--
-- PostgreSQL database dump
--

\restrict VyOGUXMptL1KW6OB80qpZWsBcBbKOB48vf9MQXk0zOVuOXBcVqVUG9echkxGloe

-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: account_contact_relations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.account_contact_relations (
    tenant text NOT NULL COLLATE pg_catalog."C",
    id text NOT NULL COLLATE pg_catalog."C",
    version integer NOT NULL,
    account_id text NOT NULL COLLATE pg_catalog."C",
    contact_id text NOT NULL COLLATE pg_catalog."C",
    roles text COLLATE pg_catalog."C",
    title text COLLATE pg_catalog."C",
    is_active boolean NOT NULL,
    start_date text COLLATE pg_catalog."C",
    end_date text COLLATE pg_catalog."C",
    created_at bigint NOT NULL
);


--
-- Name: accounts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.accounts (
    tenant text NOT NULL COLLATE pg_catalog."C",
    id text NOT NULL COLLATE pg_catalog."C",
    version integer NOT NULL,
    name text NOT NULL COLLATE pg_catalog."C",
    name_key text NOT NULL COLLATE pg_catalog."C",
    type text COLLATE pg_catalog."C",
    industry text COLLATE pg_catalog."C",
    website text COLLATE pg_catalog."C",
    phone text COLLATE pg_catalog."C",
    billing_street text COLLATE pg_catalog."C",
    billing_city text COLLATE pg_catalog."C",
    billing_state text COLLATE pg_catalog."C",
    billing_postal_code text COLLATE pg_catalog."C",
    billing_country text COLLATE pg_catalog."C",
    shipping_street text COLLATE pg_catalog."C",
    shipping_city text COLLATE pg_catalog."C",
    shipping_state text COLLATE pg_catalog."C",
    shipping_postal_code text COLLATE pg_catalog."C",
    shipping_country text COLLATE pg_catalog."C",
    parent_id text COLLATE pg_catalog."C",
    description text COLLATE pg_catalog."C",
    annual_revenue text COLLATE pg_catalog."C",
    number_of_employees bigint,
    phone_region text COLLATE pg_catalog."C",
    external_ids text COLLATE pg_catalog."C",
    extra text COLLATE pg_catalog."C",
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
);


--
-- Name: cases; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.cases (
    tenant text NOT NULL COLLATE pg_catalog."C",
    id text NOT NULL COLLATE pg_catalog."C",
    version integer NOT NULL,
    account_id text NOT NULL COLLATE pg_catalog."C",
    contact_id text COLLATE pg_catalog."C",
    subject text NOT NULL COLLATE pg_catalog."C",
    status text NOT NULL COLLATE pg_catalog."C",
    is_closed boolean NOT NULL,
    priority text NOT NULL COLLATE pg_catalog."C",
    origin text COLLATE pg_catalog."C",
    type text COLLATE pg_catalog."C",
    reason text COLLATE pg_catalog."C",
    description text COLLATE pg_catalog."C",
    opened_at bigint NOT NULL,
    closed_at bigint,
    external_ids text COLLATE pg_catalog."C",
    extra text COLLATE pg_catalog."C",
    updated_at bigint NOT NULL
);


--
-- Name: contact_alternates; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.contact_alternates (
    tenant text NOT NULL COLLATE pg_catalog."C",
    contact_id text NOT NULL COLLATE pg_catalog."C",
    kind text NOT NULL COLLATE pg_catalog."C",
    value text NOT NULL COLLATE pg_catalog."C"
);


--
-- Name: TABLE contact_alternates; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.contact_alternates IS 'Alternate emails (kind ''email'', case-folded) and phones (kind ''phone'', E.164).';


--
-- Name: contacts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.contacts (
    tenant text NOT NULL COLLATE pg_catalog."C",
    id text NOT NULL COLLATE pg_catalog."C",
    account_id text NOT NULL COLLATE pg_catalog."C",
    salutation text COLLATE pg_catalog."C",
    first_name text COLLATE pg_catalog."C",
    middle_name text COLLATE pg_catalog."C",
    last_name text NOT NULL COLLATE pg_catalog."C",
    suffix text COLLATE pg_catalog."C",
    email text COLLATE pg_catalog."C",
    email_key text COLLATE pg_catalog."C",
    email_search text COLLATE pg_catalog."C",
    phone text COLLATE pg_catalog."C",
    mobile text COLLATE pg_catalog."C",
    title text COLLATE pg_catalog."C",
    title_key text NOT NULL COLLATE pg_catalog."C",
    department text COLLATE pg_catalog."C",
    department_key text NOT NULL COLLATE pg_catalog."C",
    mailing_street text COLLATE pg_catalog."C",
    mailing_city text COLLATE pg_catalog."C",
    mailing_state text COLLATE pg_catalog."C",
    mailing_postal_code text COLLATE pg_catalog."C",
    mailing_country text COLLATE pg_catalog."C",
    reports_to text COLLATE pg_catalog."C",
    decision_role text COLLATE pg_catalog."C",
    active boolean NOT NULL,
    email_opt_out boolean NOT NULL,
    do_not_call boolean NOT NULL,
    description text COLLATE pg_catalog."C",
    birthdate text COLLATE pg_catalog."C",
    lead_source text COLLATE pg_catalog."C",
    alternate_emails text COLLATE pg_catalog."C",
    alternate_phones text COLLATE pg_catalog."C",
    external_ids text COLLATE pg_catalog."C",
    extra text COLLATE pg_catalog."C",
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    last_key text NOT NULL COLLATE pg_catalog."C",
    first_key text NOT NULL COLLATE pg_catalog."C",
    middle_key text NOT NULL COLLATE pg_catalog."C",
    full_key text NOT NULL COLLATE pg_catalog."C"
);


--
-- Name: external_ids; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.external_ids (
    tenant text NOT NULL COLLATE pg_catalog."C",
    kind text NOT NULL COLLATE pg_catalog."C",
    owner_id text NOT NULL COLLATE pg_catalog."C",
    system text NOT NULL COLLATE pg_catalog."C",
    value text NOT NULL COLLATE pg_catalog."C"
);


--
-- Name: TABLE external_ids; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.external_ids IS 'Ids in other systems of accounts, contacts, opportunities and cases.';


--
-- Name: meta; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.meta (
    tenant text NOT NULL COLLATE pg_catalog."C",
    key text NOT NULL COLLATE pg_catalog."C",
    value text NOT NULL COLLATE pg_catalog."C"
);


--
-- Name: TABLE meta; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.meta IS 'Store metadata; tenant '''' holds what concerns the whole store (schema_version).';


--
-- Name: opportunities; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.opportunities (
    tenant text NOT NULL COLLATE pg_catalog."C",
    id text NOT NULL COLLATE pg_catalog."C",
    version integer NOT NULL,
    account_id text NOT NULL COLLATE pg_catalog."C",
    name text NOT NULL COLLATE pg_catalog."C",
    name_key text NOT NULL COLLATE pg_catalog."C",
    stage text NOT NULL COLLATE pg_catalog."C",
    is_closed boolean NOT NULL,
    amount text COLLATE pg_catalog."C",
    currency text COLLATE pg_catalog."C",
    close_date text COLLATE pg_catalog."C",
    description text COLLATE pg_catalog."C",
    external_ids text COLLATE pg_catalog."C",
    extra text COLLATE pg_catalog."C",
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
);


--
-- Name: opportunity_contact_roles; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.opportunity_contact_roles (
    tenant text NOT NULL COLLATE pg_catalog."C",
    opportunity_id text NOT NULL COLLATE pg_catalog."C",
    contact_id text NOT NULL COLLATE pg_catalog."C",
    "position" integer NOT NULL,
    role text COLLATE pg_catalog."C",
    is_primary boolean NOT NULL
);


--
-- Data for Name: account_contact_relations; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.account_contact_relations (tenant, id, version, account_id, contact_id, roles, title, is_active, start_date, end_date, created_at) FROM stdin;
default	rel	1	globex	elodie	["Influencer", "Technical Buyer"]	Advisor	t	2026-01-15	2027-01-14	1795931897773726
beta	b-rel	1	b-globex	b-elodie	["Influencer", "Technical Buyer"]	Advisor	t	2026-01-15	2027-01-14	1795931897893241
\.


--
-- Data for Name: accounts; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.accounts (tenant, id, version, name, name_key, type, industry, website, phone, billing_street, billing_city, billing_state, billing_postal_code, billing_country, shipping_street, shipping_city, shipping_state, shipping_postal_code, shipping_country, parent_id, description, annual_revenue, number_of_employees, phone_region, external_ids, extra, created_at, updated_at) FROM stdin;
default	acme	1	ACME SA	acme sa	Customer	Manufacturing	https://www.acme.fr	+33123456789	1 rue de la Paix	Paris	\N	75002	France	\N	\N	\N	\N	\N	\N	\N	1250000.50	420	\N	{"salesforce":"001ACME"}	{"Ratio__c":0.25,"Score__c":87,"Tier__c":"Gold","Note__c":null,"Vip__c":true}	1795931897726695	1795931897727264
default	globex	1	Globex GmbH	globex gmbh	\N	\N	\N	\N	\N	München	\N	\N	Germany	\N	\N	\N	\N	\N	acme	\N	\N	\N	DE	\N	\N	1795931897742889	1795931897743092
beta	b-acme	1	ACME SA	acme sa	Customer	Manufacturing	https://www.acme.fr	+33123456789	1 rue de la Paix	Paris	\N	75002	France	\N	\N	\N	\N	\N	\N	\N	1250000.50	420	\N	{"salesforce":"001b-ACME"}	{"Ratio__c":0.25,"Score__c":87,"Tier__c":"Gold","Note__c":null,"Vip__c":true}	1795931897862223	1795931897862780
beta	b-globex	1	Globex GmbH	globex gmbh	\N	\N	\N	\N	\N	München	\N	\N	Germany	\N	\N	\N	\N	\N	b-acme	\N	\N	\N	DE	\N	\N	1795931897869008	1795931897869201
\.


--
-- Data for Name: cases; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.cases (tenant, id, version, account_id, contact_id, subject, status, is_closed, priority, origin, type, reason, description, opened_at, closed_at, external_ids, extra, updated_at) FROM stdin;
default	case1	1	acme	elodie	Invoice error	New	f	High	Email	\N	\N	\N	1795931897770078	\N	\N	\N	1795931897770078
default	case2	1	globex	jurgen	Login fails	Closed	t	Medium	\N	\N	\N	\N	1795931897772531	1795931897772574	\N	\N	1795931897772574
beta	b-case1	1	b-acme	b-elodie	Invoice error	New	f	High	Email	\N	\N	\N	1795931897890059	\N	\N	\N	1795931897890059
beta	b-case2	1	b-globex	b-jurgen	Login fails	Closed	t	Medium	\N	\N	\N	\N	1795931897892136	1795931897892180	\N	\N	1795931897892180
\.


--
-- Data for Name: contact_alternates; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.contact_alternates (tenant, contact_id, kind, value) FROM stdin;
default	elodie	email	élodie.b@acme.fr
default	alice	email	alice@perso.example
default	alice	email	élise.alt@acme.fr
default	alice	phone	+33199887766
beta	b-alice	email	alice@perso.example
beta	b-alice	email	élise.alt@acme.fr
beta	b-alice	phone	+33199887766
beta	b-elodie	email	élodie.b@acme.fr
\.


--
-- Data for Name: contacts; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.contacts (tenant, id, account_id, salutation, first_name, middle_name, last_name, suffix, email, email_key, email_search, phone, mobile, title, title_key, department, department_key, mailing_street, mailing_city, mailing_state, mailing_postal_code, mailing_country, reports_to, decision_role, active, email_opt_out, do_not_call, description, birthdate, lead_source, alternate_emails, alternate_phones, external_ids, extra, created_at, updated_at, last_key, first_key, middle_key, full_key) FROM stdin;
default	elodie	acme	\N	Élodie	\N	Bénard	\N	Élodie@acme.fr	élodie@acme.fr	elodie@acme.fr	\N	\N	Acheteuse	acheteuse	Achats	achats	\N	\N	\N	\N	\N	alice	Decision Maker	t	f	f	\N	\N	\N	["\\u00c9LODIE.B@acme.fr"]	\N	\N	\N	1795931897727176	1795931897727176	benard	elodie		elodie benard
default	helene	acme	\N	Hélène	Marie	Lefèvre	\N	helene.lefevre@acme.fr	helene.lefevre@acme.fr	helene.lefevre@acme.fr	\N	\N	\N		\N		\N	\N	\N	\N	\N	elodie	\N	t	t	t	Prefers mail.\nSecond line.	\N	\N	\N	\N	\N	\N	1795931897727230	1795931897727230	lefevre	helene	marie	helene marie lefevre
default	bob	acme	\N	Bob	\N	Durand	\N	\N	\N	\N	\N	\N	\N		\N		\N	\N	\N	\N	\N	\N	\N	f	f	f	\N	\N	\N	\N	\N	\N	\N	1795931897727252	1795931897727264	durand	bob		bob durand
default	alice	acme	Ms.	Alice	\N	Martin	\N	Alice.Martin@acme.fr	alice.martin@acme.fr	alice.martin@acme.fr	+33123456780	+33612345678	CFO	cfo	Finance	finance	2 rue Nationale	Lille	\N	\N	France	\N	Economic Buyer	t	f	f	\N	1980-04-01	Web	["alice@perso.example", "\\u00c9LISE.ALT@acme.fr"]	["+33199887766"]	{"salesforce":"003ALICE"}	{"Picture__c":"alice.png"}	1795931897727070	1795931897727070	martin	alice		alice martin
default	jurgen	globex	\N	Jürgen	\N	Groß	\N	JÜRGEN@globex.de	jürgen@globex.de	jurgen@globex.de	+49891234567	\N	\N		\N		\N	\N	\N	\N	\N	\N	\N	t	f	f	\N	\N	\N	\N	\N	\N	\N	1795931897743092	1795931897743092	gross	jurgen		jurgen gross
beta	b-helene	b-acme	\N	Hélène	Marie	Lefèvre	\N	helene.lefevre@acme.fr	helene.lefevre@acme.fr	helene.lefevre@acme.fr	\N	\N	\N		\N		\N	\N	\N	\N	\N	b-elodie	\N	t	t	t	Prefers mail.\nSecond line.	\N	\N	\N	\N	\N	\N	1795931897862746	1795931897862746	lefevre	helene	marie	helene marie lefevre
beta	b-alice	b-acme	Ms.	Alice	\N	Martin	\N	Alice.Martin@acme.fr	alice.martin@acme.fr	alice.martin@acme.fr	+33123456780	+33612345678	CFO	cfo	Finance	finance	2 rue Nationale	Lille	\N	\N	France	\N	Economic Buyer	t	f	f	\N	1980-04-01	Web	["alice@perso.example", "\\u00c9LISE.ALT@acme.fr"]	["+33199887766"]	{"salesforce":"003b-ALICE"}	{"Picture__c":"alice.png"}	1795931897862583	1795931897862583	martin	alice		alice martin
beta	b-elodie	b-acme	\N	Élodie	\N	Bénard	\N	Élodie@acme.fr	élodie@acme.fr	elodie@acme.fr	\N	\N	Acheteuse	acheteuse	Achats	achats	\N	\N	\N	\N	\N	b-alice	Decision Maker	t	f	f	\N	\N	\N	["\\u00c9LODIE.B@acme.fr"]	\N	\N	\N	1795931897862690	1795931897862690	benard	elodie		elodie benard
beta	b-bob	b-acme	\N	Bob	\N	Durand	\N	\N	\N	\N	\N	\N	\N		\N		\N	\N	\N	\N	\N	\N	\N	f	f	f	\N	\N	\N	\N	\N	\N	\N	1795931897862767	1795931897862780	durand	bob		bob durand
beta	b-jurgen	b-globex	\N	Jürgen	\N	Groß	\N	JÜRGEN@globex.de	jürgen@globex.de	jurgen@globex.de	+49891234567	\N	\N		\N		\N	\N	\N	\N	\N	\N	\N	t	f	f	\N	\N	\N	\N	\N	\N	\N	1795931897869201	1795931897869201	gross	jurgen		jurgen gross
\.


--
-- Data for Name: external_ids; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.external_ids (tenant, kind, owner_id, system, value) FROM stdin;
default	contact	alice	salesforce	003ALICE
default	account	acme	salesforce	001ACME
beta	contact	b-alice	salesforce	003b-ALICE
beta	account	b-acme	salesforce	001b-ACME
\.


--
-- Data for Name: meta; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.meta (tenant, key, value) FROM stdin;
	schema_version	1
\.


--
-- Data for Name: opportunities; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.opportunities (tenant, id, version, account_id, name, name_key, stage, is_closed, amount, currency, close_date, description, external_ids, extra, created_at, updated_at) FROM stdin;
default	deal	1	acme	ACME renewal	acme renewal	Prospecting	f	12000	EUR	2027-03-31	\N	\N	{"Channel__c":"Partner"}	1795931897747192	1795931897747286
default	pilot	1	globex	Globex pilot	globex pilot	Closed Won	t	999.99	EUR	\N	\N	\N	\N	1795931897759915	1795931897759915
beta	b-deal	1	b-acme	ACME renewal	acme renewal	Prospecting	f	12000	EUR	2027-03-31	\N	\N	{"Channel__c":"Partner"}	1795931897873179	1795931897873247
beta	b-pilot	1	b-globex	Globex pilot	globex pilot	Closed Won	t	999.99	EUR	\N	\N	\N	\N	1795931897886273	1795931897886273
\.


--
-- Data for Name: opportunity_contact_roles; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.opportunity_contact_roles (tenant, opportunity_id, contact_id, "position", role, is_primary) FROM stdin;
default	deal	alice	0	Economic Buyer	t
default	deal	elodie	1	Decision Maker	f
beta	b-deal	b-alice	0	Economic Buyer	t
beta	b-deal	b-elodie	1	Decision Maker	f
\.


--
-- Name: account_contact_relations account_contact_relations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.account_contact_relations
    ADD CONSTRAINT account_contact_relations_pkey PRIMARY KEY (tenant, id);


--
-- Name: accounts accounts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.accounts
    ADD CONSTRAINT accounts_pkey PRIMARY KEY (tenant, id);


--
-- Name: cases cases_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.cases
    ADD CONSTRAINT cases_pkey PRIMARY KEY (tenant, id);


--
-- Name: contact_alternates contact_alternates_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.contact_alternates
    ADD CONSTRAINT contact_alternates_pkey PRIMARY KEY (tenant, contact_id, kind, value);


--
-- Name: contacts contacts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.contacts
    ADD CONSTRAINT contacts_pkey PRIMARY KEY (tenant, id);


--
-- Name: external_ids external_ids_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.external_ids
    ADD CONSTRAINT external_ids_pkey PRIMARY KEY (tenant, kind, owner_id, system);


--
-- Name: meta meta_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.meta
    ADD CONSTRAINT meta_pkey PRIMARY KEY (tenant, key);


--
-- Name: opportunities opportunities_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.opportunities
    ADD CONSTRAINT opportunities_pkey PRIMARY KEY (tenant, id);


--
-- Name: opportunity_contact_roles opportunity_contact_roles_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.opportunity_contact_roles
    ADD CONSTRAINT opportunity_contact_roles_pkey PRIMARY KEY (tenant, opportunity_id, contact_id);


--
-- Name: ix_account_contact_relations_account; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_account_contact_relations_account ON public.account_contact_relations USING btree (tenant, account_id);


--
-- Name: ix_account_contact_relations_contact; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_account_contact_relations_contact ON public.account_contact_relations USING btree (tenant, contact_id);


--
-- Name: ix_accounts_name; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_accounts_name ON public.accounts USING btree (tenant, name_key, id);


--
-- Name: ix_accounts_parent; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_accounts_parent ON public.accounts USING btree (tenant, parent_id);


--
-- Name: ix_cases_account; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_cases_account ON public.cases USING btree (tenant, account_id);


--
-- Name: ix_cases_contact; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_cases_contact ON public.cases USING btree (tenant, contact_id);


--
-- Name: ix_contact_alternates_value; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_contact_alternates_value ON public.contact_alternates USING btree (tenant, kind, value, contact_id);


--
-- Name: ix_contacts_account; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_contacts_account ON public.contacts USING btree (tenant, account_id);


--
-- Name: ix_contacts_email; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_contacts_email ON public.contacts USING btree (tenant, email_key);


--
-- Name: ix_contacts_first; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_contacts_first ON public.contacts USING btree (tenant, first_key, last_key);


--
-- Name: ix_contacts_full; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_contacts_full ON public.contacts USING btree (tenant, full_key);


--
-- Name: ix_contacts_last; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_contacts_last ON public.contacts USING btree (tenant, last_key, first_key);


--
-- Name: ix_contacts_mobile; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_contacts_mobile ON public.contacts USING btree (tenant, mobile);


--
-- Name: ix_contacts_phone; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_contacts_phone ON public.contacts USING btree (tenant, phone);


--
-- Name: ix_external_ids_value; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_external_ids_value ON public.external_ids USING btree (tenant, kind, system, value, owner_id);


--
-- Name: ix_opportunities_account; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_opportunities_account ON public.opportunities USING btree (tenant, account_id);


--
-- Name: ix_opportunity_contact_roles_contact; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_opportunity_contact_roles_contact ON public.opportunity_contact_roles USING btree (tenant, contact_id);


--
-- Name: contacts contacts_tenant_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.contacts
    ADD CONSTRAINT contacts_tenant_account_id_fkey FOREIGN KEY (tenant, account_id) REFERENCES public.accounts(tenant, id);


--
-- Name: opportunity_contact_roles opportunity_contact_roles_tenant_opportunity_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.opportunity_contact_roles
    ADD CONSTRAINT opportunity_contact_roles_tenant_opportunity_id_fkey FOREIGN KEY (tenant, opportunity_id) REFERENCES public.opportunities(tenant, id);


--
-- PostgreSQL database dump complete
--

\unrestrict VyOGUXMptL1KW6OB80qpZWsBcBbKOB48vf9MQXk0zOVuOXBcVqVUG9echkxGloe

