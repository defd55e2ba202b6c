//! Trading through the portal as people do it: a workplace enters goods by form and by CSV, a
//! member on another node finds them in the network catalogue, orders, and watches the order
//! through to its end; councils buy, recommend and ask about bulk orders; bad input, strangers
//! and forged forms change nothing.

mod support;

use coopnode::features::coops::CoopKind;
use support::*;

/// The first link on a page whose address starts with `prefix`.
fn link(page: &str, prefix: &str) -> String {
    let marker = format!("href=\"{prefix}");
    let at = page
        .find(&marker)
        .unwrap_or_else(|| panic!("a link to {prefix}"))
        + 6;
    page[at..].split('"').next().unwrap().replace("&amp;", "&")
}

/// The item id a `/catalogue/item?id=` link names.
fn item_id_of(link: &str) -> String {
    let query = link.split_once('?').expect("a query").1;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "id")
        .expect("an id")
        .1
        .into_owned()
}

/// A page as the holder of these cookies sees it.
async fn page_with_cookies(node: &TestNode, cookies: &str, path: &str) -> String {
    node.http
        .get(node.url(path))
        .header("cookie", cookies)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn make_admin(node: &TestNode, username: &str, coop: &str) {
    let user = node
        .state()
        .db
        .user_by_username(username)
        .await
        .unwrap()
        .unwrap();
    let coop = node.coop(coop).await;
    node.state()
        .db
        .add_coop_admin(coop.id.as_str(), user.id)
        .await
        .unwrap();
}

const SOURDOUGH: &[(&str, &str)] = &[
    ("name", "Sourdough rye"),
    ("description", "Slow *proved* rye"),
    ("unit", "loaf"),
    ("price", "3.20"),
    ("currency", "EUR"),
    ("stock", "12"),
    ("low_stock_at", "3"),
    ("product_type", "food/bread"),
    ("how_made", "Baked in a wood oven by the members"),
    ("image_url", "https://images.example/rye.jpg"),
];

fn with(
    csrf: &str,
    base: &[(&'static str, &'static str)],
    changes: &[(&str, &str)],
) -> Vec<(String, String)> {
    let mut form: Vec<(String, String)> = base
        .iter()
        .map(|(k, v)| {
            let v = changes
                .iter()
                .find(|(ck, _)| ck == k)
                .map(|(_, cv)| *cv)
                .unwrap_or(v);
            (k.to_string(), v.to_string())
        })
        .collect();
    form.push(("csrf".into(), csrf.into()));
    form
}

fn pairs(form: &[(String, String)]) -> Vec<(&str, &str)> {
    form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_member_finds_an_item_on_another_node_orders_it_and_sees_each_state() {
    let a = spawn_node().await;
    let b = spawn_node().await;
    b.create_user("bob", false).await;
    let bakery = b.create_coop("bakery", CoopKind::Workplace).await;
    make_admin(&b, "bob", "bakery").await;
    a.create_user("alice", false).await;
    a.create_user("mallory", false).await;
    a.create_coop("eastside", CoopKind::ConsumerCouncil).await;
    make_admin(&a, "alice", "eastside").await;
    let followed = a.follow("eastside", &b.handle("bakery")).await;
    wait_until("B accepts the follow", || async {
        a.follow_state("eastside", &followed).await.as_deref() == Some("accepted")
    })
    .await;

    // The workplace's admin enters an item through the form, then two by CSV.
    let mut bob = Visitor::new(&b);
    bob.log_in("bob").await;
    let (_, admin) = bob.get("/admin/bakery").await;
    assert!(admin.contains("Catalogue and stock") && admin.contains("Incoming orders"));
    let (status, items) = bob.get("/admin/bakery/items").await;
    assert_eq!(status, 200);
    assert_eq!(items.matches("<h1").count(), 1);
    assert!(items.contains("<label for=\"product_type\">Product type</label>"));
    assert!(
        items.contains("<option value=\"food/bread\">"),
        "suggested types"
    );
    let csrf = csrf_of(&items);
    let form = with(&csrf, SOURDOUGH, &[]);
    let (status, to) = bob.post("/admin/bakery/items", &pairs(&form)).await;
    assert_eq!((status, to.as_str()), (303, "/admin/bakery/items"));
    let csv = "name,description,unit,price,currency,stock,low_stock_at,product_type,how_made,image_url\n\
               Oat biscuits,Crunchy,box,2.50,EUR,40,5,food/biscuits,Cut by hand,\n\
               Wool socks,\"Warm, hand-knitted\",pair,9.00,EUR,2,3,clothing,Knitted from local wool,\n";
    let (status, to) = bob
        .post(
            "/admin/bakery/items/import",
            &[("csrf", &csrf), ("csv", csv)],
        )
        .await;
    assert_eq!(
        (status, to.as_str()),
        (303, "/admin/bakery/items?imported=2")
    );
    let (_, items) = bob.get(&to).await;
    assert!(items.contains("Imported 2 items"));
    assert!(items.contains("Wool socks") && items.contains("Low stock"));
    let (status, headers, exported) = bob.get_full("/admin/bakery/items.csv").await;
    assert_eq!(status, 200);
    assert!(headers["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    assert!(exported.starts_with("name,description,unit,price,currency,stock"));
    for name in ["Sourdough rye", "Oat biscuits", "Wool socks"] {
        assert!(exported.contains(name), "{name} exported");
    }
    assert!(exported.contains("\"Warm, hand-knitted\""));

    // Bad input gets a 400 page and stores nothing.
    for (name, value) in [
        ("stock", "-1"),
        ("price", "three euros"),
        ("product_type", "Bread & Butter"),
    ] {
        let form = with(&csrf, SOURDOUGH, &[("name", "Bad loaf"), (name, value)]);
        let (status, page) = bob.post("/admin/bakery/items", &pairs(&form)).await;
        assert_eq!(status, 400, "{name} = {value}");
        assert!(page.contains("role=\"alert\""), "the page says why");
    }
    let (status, _) = bob
        .post(
            "/admin/bakery/items/import",
            &[
                ("csrf", &csrf),
                (
                    "csv",
                    "name,unit,price,currency,stock,product_type\nBad,loaf,1,EUR,-4,food\n",
                ),
            ],
        )
        .await;
    assert_eq!(status, 400);
    let stored = b
        .state()
        .db
        .items_of(bakery.id.as_str(), true)
        .await
        .unwrap();
    assert_eq!(stored.len(), 3, "nothing bad was stored");

    // The item as a peer reads it.
    let sourdough = stored.iter().find(|i| i.name == "Sourdough rye").unwrap();
    let path = url::Url::parse(&sourdough.id).unwrap().path().to_string();
    let (status, json) = b.get_activity_json(&path).await;
    assert_eq!(status, 200);
    assert_eq!(json["type"], "Note");
    assert_eq!(json["name"], "Sourdough rye");
    assert!(json["@context"].is_array());

    // A member on A finds it by search text and by product type.
    let mut alice = Visitor::new(&a);
    alice.log_in("alice").await;
    wait_until("B's items reach A's catalogue", || async {
        let page = a.get("/catalogue").await.1;
        ["Sourdough rye", "Oat biscuits", "Wool socks"]
            .iter()
            .all(|n| page.contains(n))
    })
    .await;
    let (status, found) = alice.get("/catalogue?q=sourdough").await;
    assert_eq!(status, 200);
    assert!(found.contains("Sourdough rye") && !found.contains("Wool socks"));
    assert!(found.contains("3.20 EUR per loaf"));
    assert!(found.contains("12 in stock"));
    assert!(found.contains("The bakery co-op") && found.contains("Testshire"));
    assert!(found.contains("alt=\"Sourdough rye\""));
    let (_, found) = alice.get("/catalogue?q=wood+oven").await;
    assert!(
        found.contains("Sourdough rye"),
        "how it is made is searched too"
    );
    let (_, food) = alice.get("/catalogue?type=food").await;
    assert!(
        food.contains("<option value=\"food/bread\""),
        "the category tree"
    );
    assert!(food.contains("Sourdough rye") && food.contains("Oat biscuits"));
    assert!(!food.contains("Wool socks"), "clothing is not food");
    let (_, bread) = alice
        .get("/catalogue?type=food%2Fbread&stock=1&sort=price")
        .await;
    assert!(bread.contains("Sourdough rye") && !bread.contains("Oat biscuits"));
    let (_, low) = alice.get("/catalogue?sort=price-desc").await;
    let socks = low.find("Wool socks").unwrap();
    assert!(socks < low.find("Sourdough rye").unwrap(), "dearest first");
    for bad in [
        "/catalogue?sort=cheapest",
        "/catalogue?page=0",
        "/catalogue?type=Bread+%26+Butter",
        "/catalogue?stock=perhaps",
    ] {
        let (status, page) = alice.get(bad).await;
        assert_eq!(status, 400, "{bad}");
        assert!(page.contains("<h1>Sorry</h1>"));
    }
    // An error page is drawn in the site's frame, with the visitor's own header.
    let (status, page) = alice.get("/library/entry?id=nothing").await;
    assert_eq!(status, 404);
    assert!(page.contains("<h1>Sorry</h1>") && page.contains("There is nothing here."));
    assert!(
        page.contains("Log out"),
        "the error page knows who is logged in"
    );

    // The item page shows the workplace's profile and the order forms.
    let (_, found) = alice.get("/catalogue?q=sourdough").await;
    let item_link = link(&found, "/catalogue/item?id=");
    let item_id = item_id_of(&item_link);
    let (status, item) = alice.get(&item_link).await;
    assert_eq!(status, 200);
    assert!(item.contains("<h1>Sourdough rye</h1>"));
    assert!(item.contains("Baked in a wood oven"));
    assert!(item.contains("Testshire") && item.contains("Testing"));
    assert!(item.contains("<label for=\"quantity\">Quantity</label>"));
    assert!(item.contains("Add to basket") && item.contains("Send enquiry"));
    let csrf = csrf_of(&item);

    // A forged form changes nothing.
    let (status, _) = alice
        .post(
            "/basket/add",
            &[("csrf", "forged"), ("item_id", &item_id), ("quantity", "1")],
        )
        .await;
    assert_eq!(status, 403);
    let (_, basket) = alice.get("/basket").await;
    assert!(basket.contains("Your basket is empty"));
    let (status, _) = alice
        .post(
            "/basket/add",
            &[("csrf", &csrf), ("item_id", &item_id), ("quantity", "-2")],
        )
        .await;
    assert_eq!(status, 400, "a negative quantity");

    let (status, to) = alice
        .post(
            "/basket/add",
            &[("csrf", &csrf), ("item_id", &item_id), ("quantity", "2")],
        )
        .await;
    assert_eq!((status, to.as_str()), (303, "/basket"));
    let (_, basket) = alice.get("/basket").await;
    assert!(basket.contains("Sourdough rye") && basket.contains("6.40 EUR"));
    assert!(basket.contains("Total for The bakery co-op"));
    assert!(basket.contains("<label for=\"as\">Order as</label>"));
    let (status, to) = alice
        .post("/basket/checkout", &[("csrf", &csrf), ("as", "")])
        .await;
    assert_eq!((status, to.as_str()), (303, "/orders"));
    let (_, basket) = alice.get("/basket").await;
    assert!(basket.contains("Your basket is empty"));

    let cookies = alice.cookie_header();
    let orders_show = |state: &'static str| {
        let (a, cookies) = (&a, cookies.clone());
        async move {
            page_with_cookies(a, &cookies, "/orders")
                .await
                .contains(&format!("Status: <strong>{state}</strong>"))
        }
    };
    wait_until("B accepts the order and A's member sees it", || {
        orders_show("accepted")
    })
    .await;
    let (_, orders) = alice.get("/orders").await;
    assert!(orders.contains("Order with The bakery co-op"));
    assert!(
        orders.contains("Reason for cancelling"),
        "the buyer may still cancel"
    );
    let (status, page) = b.get(&path).await;
    assert_eq!(status, 200);
    assert!(page.contains("10 in stock"), "the order took two loaves");

    // B's admin moves the order on; A's member sees each state.
    let (_, incoming) = bob.get("/admin/bakery/orders").await;
    assert!(incoming.contains("Mark dispatched"));
    assert!(!incoming.contains("Mark fulfilled"));
    let order_id = field(&incoming, "id");
    let (status, _) = bob
        .post(
            "/admin/bakery/orders/state",
            &[
                ("csrf", &csrf_of(&incoming)),
                ("id", &order_id),
                ("to", "fulfilled"),
            ],
        )
        .await;
    assert_eq!(status, 409, "not before it is dispatched");
    let (status, to) = bob
        .post(
            "/admin/bakery/orders/state",
            &[
                ("csrf", &csrf_of(&incoming)),
                ("id", &order_id),
                ("to", "dispatched"),
            ],
        )
        .await;
    assert_eq!((status, to.as_str()), (303, "/admin/bakery/orders"));
    wait_until("A's member sees the order dispatched", || {
        orders_show("dispatched")
    })
    .await;
    let (_, orders) = alice.get("/orders").await;
    assert!(
        !orders.contains("Reason for cancelling"),
        "too late to cancel"
    );
    let (_, incoming) = bob.get("/admin/bakery/orders").await;
    let (status, _) = bob
        .post(
            "/admin/bakery/orders/state",
            &[
                ("csrf", &csrf_of(&incoming)),
                ("id", &order_id),
                ("to", "fulfilled"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    wait_until("A's member sees the order fulfilled", || {
        orders_show("fulfilled")
    })
    .await;

    // The order is the buyer's and the workplace's alone.
    let view = format!("/orders/view?id={}", enc(&order_id));
    let (status, page) = alice.get(&view).await;
    assert_eq!(status, 200);
    assert!(page.contains("Sourdough rye") && page.contains("dispatched"));
    let mut mallory = Visitor::new(&a);
    mallory.log_in("mallory").await;
    let (status, page) = mallory.get(&view).await;
    assert_eq!(status, 404);
    assert!(!page.contains("Sourdough rye"));
    let (status, to) = Visitor::new(&a).get(&view).await;
    assert_eq!(status, 303, "{to}");
    let (status, _) = mallory
        .post(
            "/orders/cancel",
            &[
                ("csrf", &csrf_of(&page)),
                ("id", &order_id),
                ("reason", "mine now"),
            ],
        )
        .await;
    assert_eq!(status, 404);
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn councils_buy_recommend_and_ask_and_workplaces_answer() {
    let n = spawn_node().await;
    n.create_user("wren", false).await;
    n.create_user("carol", false).await;
    n.create_user("dave", false).await;
    n.create_coop("mill", CoopKind::Workplace).await;
    n.create_coop("northside", CoopKind::ConsumerCouncil).await;
    make_admin(&n, "wren", "mill").await;
    make_admin(&n, "carol", "northside").await;

    let mut wren = Visitor::new(&n);
    wren.log_in("wren").await;
    let (_, items) = wren.get("/admin/mill/items").await;
    let wren_csrf = csrf_of(&items);
    let flour: &[(&str, &str)] = &[
        ("name", "Stoneground flour"),
        ("description", ""),
        ("unit", "kg"),
        ("price", "1.80"),
        ("currency", "eur"),
        ("stock", "5"),
        ("low_stock_at", "1"),
        ("product_type", "Food/Flour"),
        ("how_made", "Milled by water power"),
        ("image_url", ""),
    ];
    let (status, _) = wren
        .post("/admin/mill/items", &pairs(&with(&wren_csrf, flour, &[])))
        .await;
    assert_eq!(status, 303);

    let mut carol = Visitor::new(&n);
    carol.log_in("carol").await;
    let (_, admin) = carol.get("/admin/northside").await;
    assert!(admin.contains("Purchases") && admin.contains("Enquiries"));
    let (_, found) = carol.get("/catalogue?type=food").await;
    let item_path = link(&found, "/items/");
    let item_id = n.url(&item_path);
    let (_, item) = carol.get(&item_path).await;
    assert!(item.contains("1.80 EUR per kg") && item.contains("food/flour"));
    assert!(item.contains("Recommend") && item.contains("The northside co-op"));
    let csrf = csrf_of(&item);

    // A recommendation shows on the item and on the council's profile.
    let (status, to) = carol
        .post(
            "/catalogue/recommend",
            &[
                ("csrf", &csrf),
                ("item_id", &item_id),
                ("council", "northside"),
                ("comment", "Our members *love* it"),
            ],
        )
        .await;
    assert_eq!((status, to.as_str()), (303, item_path.as_str()));
    let (_, item) = carol.get(&item_path).await;
    assert!(item.contains("<em>love</em>"));

    // An order for the council, from a workplace on the same node.
    carol
        .post(
            "/basket/add",
            &[("csrf", &csrf), ("item_id", &item_id), ("quantity", "3")],
        )
        .await;
    let (status, _) = carol
        .post(
            "/basket/add",
            &[("csrf", &csrf), ("item_id", &item_id), ("quantity", "9")],
        )
        .await;
    assert_eq!(status, 400, "more than the stock");
    let (status, to) = carol
        .post("/basket/checkout", &[("csrf", &csrf), ("as", "northside")])
        .await;
    assert_eq!((status, to.as_str()), (303, "/orders"));
    let (_, orders) = carol.get("/orders").await;
    assert!(orders.contains("Status: <strong>accepted</strong>"));
    assert!(orders.contains("for The northside co-op") && orders.contains("placed by carol"));
    let (_, purchases) = carol.get("/admin/northside/purchases").await;
    assert!(purchases.contains("Stoneground flour") && purchases.contains("5.40 EUR"));
    let (_, profile) = Visitor::new(&n).get("/coops/northside").await;
    assert!(profile.contains("Purchase history") && profile.contains("Stoneground flour"));
    assert!(profile.contains("<em>love</em>"));
    assert!(!profile.contains("carol"), "who placed it stays private");
    let (_, item) = carol.get(&item_path).await;
    assert!(item.contains("2 in stock"));

    // The workplace cancels with a reason; the stock comes back.
    let (_, incoming) = wren.get("/admin/mill/orders").await;
    assert!(incoming.contains("Order from The northside co-op"));
    let order_id = field(&incoming, "id");
    let (status, _) = wren
        .post(
            "/admin/mill/orders/state",
            &[
                ("csrf", &wren_csrf),
                ("id", &order_id),
                ("to", "cancelled"),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(status, 400, "cancelling needs a reason");
    let (status, _) = wren
        .post(
            "/admin/mill/orders/state",
            &[
                ("csrf", &wren_csrf),
                ("id", &order_id),
                ("to", "cancelled"),
                ("reason", "the mill race flooded"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (_, orders) = carol.get("/orders").await;
    assert!(orders.contains("Status: <strong>cancelled</strong>"));
    assert!(orders.contains("the mill race flooded"));
    let (_, item) = carol.get(&item_path).await;
    assert!(item.contains("5 in stock"));

    // Only the two sides see the order.
    let view = format!("/orders/view?id={}", enc(&order_id));
    assert_eq!(wren.get(&view).await.0, 200);
    assert_eq!(carol.get(&view).await.0, 200);
    let mut dave = Visitor::new(&n);
    dave.log_in("dave").await;
    assert_eq!(dave.get(&view).await.0, 404);
    assert_eq!(dave.get("/admin/mill/orders").await.0, 403);

    // A member orders as herself and cancels.
    carol
        .post(
            "/basket/add",
            &[("csrf", &csrf), ("item_id", &item_id), ("quantity", "1")],
        )
        .await;
    carol
        .post("/basket/checkout", &[("csrf", &csrf), ("as", "")])
        .await;
    let (_, orders) = carol.get("/orders").await;
    let mine = field(&orders, "id");
    assert_ne!(mine, order_id);
    let (status, to) = carol
        .post(
            "/orders/cancel",
            &[
                ("csrf", &csrf),
                ("id", &mine),
                ("reason", "bought too much"),
            ],
        )
        .await;
    assert_eq!(status, 303, "{to}");
    let (_, page) = carol.get(&to).await;
    assert!(page.contains("Status: <strong>cancelled</strong> (bought too much)"));

    // A price change or a retired item stops the checkout, and says why.
    carol
        .post(
            "/basket/add",
            &[("csrf", &csrf), ("item_id", &item_id), ("quantity", "1")],
        )
        .await;
    let (_, edit) = wren
        .get(&format!("/admin/mill/items/edit?id={}", enc(&item_id)))
        .await;
    assert!(edit.contains("Last stock changes"));
    let mut edited = with(&wren_csrf, flour, &[("price", "2.00")]);
    edited.push(("id".into(), item_id.clone()));
    let (status, _) = wren.post("/admin/mill/items/edit", &pairs(&edited)).await;
    assert_eq!(status, 303);
    let (status, page) = carol
        .post("/basket/checkout", &[("csrf", &csrf), ("as", "")])
        .await;
    assert_eq!(status, 409);
    assert!(page.contains("changed from 1.80 to 2.00"));
    assert!(page.contains("Price now 2.00 EUR per kg"));
    let (status, _) = wren
        .post(
            "/admin/mill/items/stock",
            &[
                ("csrf", &wren_csrf),
                ("id", &item_id),
                ("stock", "-3"),
                ("reason", "x"),
            ],
        )
        .await;
    assert_eq!(status, 400, "negative stock");
    let (status, _) = wren
        .post(
            "/admin/mill/items/stock",
            &[
                ("csrf", &wren_csrf),
                ("id", &item_id),
                ("stock", "8"),
                ("reason", "recount"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (_, edit) = wren
        .get(&format!("/admin/mill/items/edit?id={}", enc(&item_id)))
        .await;
    assert!(edit.contains("recount") && edit.contains("+3"));
    let (status, _) = wren
        .post(
            "/admin/mill/items/retire",
            &[("csrf", &wren_csrf), ("id", &item_id)],
        )
        .await;
    assert_eq!(status, 303);
    let (status, page) = carol
        .post("/basket/checkout", &[("csrf", &csrf), ("as", "")])
        .await;
    assert_eq!(status, 400);
    assert!(page.contains("is no longer sold"));
    let (status, page) = carol.get(&item_path).await;
    assert_eq!(status, 410);
    assert!(page.contains("This item is no longer sold") && !page.contains("Add to basket"));
    let (status, json) = n.get_activity_json(&item_path).await;
    assert_eq!((status, json["type"].as_str()), (410, Some("Tombstone")));
    let (_, items) = wren.get("/admin/mill/items").await;
    assert!(items.contains("retired"));

    // A bulk order enquiry between the council and the workplace, answered.
    wren.post(
        "/admin/mill/items",
        &pairs(&with(&wren_csrf, flour, &[("name", "Spelt flour")])),
    )
    .await;
    let (_, found) = carol.get("/catalogue?q=spelt").await;
    let spelt_path = link(&found, "/items/");
    let (status, to) = carol
        .post(
            "/catalogue/enquire",
            &[
                ("csrf", &csrf),
                ("item_id", &n.url(&spelt_path)),
                ("as", "northside"),
                ("message", "Could you supply 200 kg a month?"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    assert!(
        to.starts_with("/admin/northside/enquiries/thread?id="),
        "{to}"
    );
    let (_, threads) = wren.get("/admin/mill/enquiries").await;
    assert!(threads.contains("With The northside co-op"));
    let thread = link(&threads, "/admin/mill/enquiries/thread?id=");
    let (_, page) = wren.get(&thread).await;
    assert!(page.contains("200 kg a month"));
    let thread_id = field(&page, "thread");
    let (status, _) = wren
        .post(
            "/admin/mill/enquiries/reply",
            &[
                ("csrf", &wren_csrf),
                ("thread", &thread_id),
                ("body", "Yes, from **June**"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (_, page) = carol.get(&to).await;
    assert!(page.contains("Could you supply") && page.contains("Yes, from <strong>June</strong>"));
    assert_eq!(
        dave.get(&format!("/enquiries/thread?id={}", enc(&thread_id)))
            .await
            .0,
        404,
        "a stranger does not see the thread"
    );
    n.shutdown().await;
}
